//! Every way a request can fail (connection refused, timeout, an error
//! status, a body that is not the JSON expected) as a variant of one error
//! type, printed on one line.
//!
//! The guide catches `Exception` and keeps `str(e)`. Here each failure is a
//! variant of `FetchError`, so a caller can match on it (retry a timeout, not
//! a 404), and `classify` sorts reqwest's errors into it. The body is decoded
//! with serde_json, so a bad one comes with line and column. `join_all` over
//! `Result`s is `gather(return_exceptions=True)`; the deadline is reqwest's
//! per-request `timeout`.
//!
//! Translates:
//! - *Async/Await in Python*, "Timeouts and Error Handling" (the
//!   `except Exception as e` branch and `gather(return_exceptions=True)`)

use std::error::Error;
use std::time::Duration;

use futures::future::join_all;
use reqwest::{Client, StatusCode};
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio::time::Instant;

const TIMEOUT: Duration = Duration::from_secs(2);

/// Each message already names its cause, so the variants hold their
/// underlying errors without offering them as `source()`, which would print
/// the cause twice in a chain.
#[derive(Debug, thiserror::Error)]
enum FetchError {
    #[error("cannot connect: {}", root_cause(.0))]
    Connect(reqwest::Error),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("server answered {0}")]
    Status(StatusCode),
    #[error("not the JSON expected: {0}")]
    InvalidJson(serde_json::Error),
    #[error("request failed: {}", root_cause(.0))]
    Other(reqwest::Error),
}

/// Sorts a reqwest error into its kind. The URL is dropped: the caller
/// knows which one it asked for, and it holds the server's port.
fn classify(error: reqwest::Error) -> FetchError {
    let error = error.without_url();
    if error.is_connect() {
        FetchError::Connect(error)
    } else if error.is_timeout() {
        FetchError::Timeout(TIMEOUT)
    } else if let Some(status) = error.status() {
        FetchError::Status(status)
    } else {
        FetchError::Other(error)
    }
}

/// The innermost cause, such as "Connection refused (os error 111)";
/// reqwest's own message is only "error sending request".
fn root_cause(error: &(dyn Error + 'static)) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

/// httpbin's `/json`.
#[derive(Debug, Deserialize)]
struct Document {
    slideshow: Slideshow,
}

#[derive(Debug, Deserialize)]
struct Slideshow {
    title: String,
    slides: Vec<serde_json::Value>,
}

async fn fetch_document(client: &Client, url: &str) -> Result<Document, FetchError> {
    let response = client
        .get(url)
        .timeout(TIMEOUT)
        .send()
        .await
        .map_err(classify)?
        .error_for_status()
        .map_err(classify)?;
    let body = response.text().await.map_err(classify)?;
    serde_json::from_str(&body).map_err(FetchError::InvalidJson)
}

pub async fn run(base_url: &str) -> anyhow::Result<()> {
    let client = &Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .build()?;

    // A port that nothing listens on: bind one, note it, let it go.
    let closed = TcpListener::bind("127.0.0.1:0").await?.local_addr()?;

    let targets = [
        ("/json", format!("{base_url}/json")),
        ("/status/404", format!("{base_url}/status/404")),
        ("/status/500", format!("{base_url}/status/500")),
        ("/html", format!("{base_url}/html")),
        ("/ip", format!("{base_url}/ip")),
        ("/delay/3", format!("{base_url}/delay/3")),
        ("a closed port", format!("http://{closed}/json")),
    ];
    let start = Instant::now();
    let results = join_all(targets.iter().map(|(_, url)| fetch_document(client, url))).await;

    for ((name, _), result) in targets.iter().zip(&results) {
        match result {
            Ok(Document { slideshow }) => println!(
                "{name}: ok, {:?} with {} slides",
                slideshow.title,
                slideshow.slides.len()
            ),
            Err(error) => println!("{name}: {error}"),
        }
    }
    println!(
        "All {} finished in {:.1}s",
        results.len(),
        start.elapsed().as_secs_f64()
    );

    // Only `/json` is meant to succeed. A server that handles one request
    // at a time (gunicorn's default worker) may make it wait behind
    // `/delay/3` until it times out; any other failure means there is no
    // httpbin at `base_url`.
    // And a server that answered none of them, not even with an error
    // status, isn't an httpbin either (it may have stalled).
    let unanswered = |result: &Result<Document, FetchError>| {
        matches!(result, Err(FetchError::Timeout(_) | FetchError::Connect(_)))
    };
    if results.iter().all(unanswered) {
        anyhow::bail!("no answer from {base_url} within {TIMEOUT:?}");
    }
    match &results[0] {
        Ok(_) | Err(FetchError::Timeout(_)) => Ok(()),
        Err(error) => anyhow::bail!("GET {base_url}/json failed: {error}"),
    }
}
