//! A deadline around a whole request, `tokio::time::timeout`: `/delay/10`
//! against a 3 s limit gives up at 3 s, while `/delay/1` finishes.
//!
//! `async with asyncio.timeout(t)` is `tokio::time::timeout(t, future)`: if
//! the deadline passes first, the future is dropped, which cancels the
//! request and closes its connection, and `timeout` returns `Err(Elapsed)`.
//! The deadline covers sending the request and reading the whole body, as
//! in the guide. reqwest can do the same itself with
//! `RequestBuilder::timeout`, or with `ClientBuilder::timeout` for every
//! request of a client.
//!
//! The guide's `fetch_with_timeout` catches every error and returns its
//! message as a string, so `gather` never sees an exception: the timed-out
//! task is printed as "success" with the length of the message "Timeout
//! after 3 seconds". Here the fetch returns a `Result`, and `join_all` over
//! futures that return `Result`s is `gather(return_exceptions=True)`: every
//! future runs to the end, and each outcome, `Ok` or `Err`, comes back in
//! its place. The guide also opens a new `ClientSession` per URL; one
//! `Client` serves both requests here.
//!
//! The guide prints the length of each page. `/delay` echoes the request,
//! port included, so its length changes from run to run; this prints the
//! status and how long each request took instead.
//!
//! Translates:
//! - *Async/Await in Python*, "Timeouts and Error Handling"

use std::error::Error;
use std::time::Duration;

use futures::future::join_all;
use reqwest::{Client, StatusCode};
use tokio::time::{Instant, timeout};

#[derive(Debug, thiserror::Error)]
enum FetchError {
    #[error("Timeout after {} seconds", .0.as_secs())]
    Timeout(Duration),
    #[error("Error: {}", with_cause(.0))]
    Http(reqwest::Error),
}

/// The status and the body, read within `limit`. Errors leave out the URL:
/// the caller knows which one it asked for, and it holds the server's port.
async fn fetch_with_timeout(
    client: &Client,
    url: String,
    limit: Duration,
) -> Result<(StatusCode, String), FetchError> {
    let fetch = async {
        let response = client.get(url).send().await?.error_for_status()?;
        let status = response.status();
        Ok::<_, reqwest::Error>((status, response.text().await?))
    };
    match timeout(limit, fetch).await {
        Ok(result) => result.map_err(|error| FetchError::Http(error.without_url())),
        Err(_elapsed) => Err(FetchError::Timeout(limit)),
    }
}

pub async fn run(base_url: &str) -> anyhow::Result<()> {
    let client = &Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .build()?;
    let start = Instant::now();

    let tasks = [
        ("/delay/1", Duration::from_secs(5)),
        ("/delay/10", Duration::from_secs(3)), // will time out
    ]
    .map(|(path, limit)| async move {
        let result = fetch_with_timeout(client, format!("{base_url}{path}"), limit).await;
        (result, start.elapsed())
    });
    let results = join_all(tasks).await;

    for (i, (result, elapsed)) in results.iter().enumerate() {
        let elapsed = elapsed.as_secs_f64();
        match result {
            Ok((status, _body)) => println!("Task {i} success: {status} (at {elapsed:.1}s)"),
            Err(error) => println!("Task {i} failed: {error} (at {elapsed:.1}s)"),
        }
    }
    println!("Both done in {:.1}s", start.elapsed().as_secs_f64());

    // The second request's timeout is the lesson; any other failure, the
    // first timing out included, means the server did not answer as it
    // should.
    if let [(first, _), (second, _)] = results.as_slice()
        && (first.is_err() || matches!(second, Err(FetchError::Http(_))))
    {
        anyhow::bail!("a request to {base_url} failed");
    }
    Ok(())
}

/// reqwest's own message ("error sending request") and the innermost cause
/// ("Connection refused (os error 111)"), on one line.
fn with_cause(error: &reqwest::Error) -> String {
    let mut root: &dyn Error = error;
    while let Some(source) = root.source() {
        root = source;
    }
    if error.source().is_some() {
        format!("{error}: {root}")
    } else {
        error.to_string()
    }
}
