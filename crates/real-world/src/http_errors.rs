//! Every way a request can fail (refused, timed out, an error status, a body
//! not the JSON expected) as a variant of one error type, printed on a line.
//! A body longer than `MAX_BODY` is one more variant, which none of these
//! URLs sends.
//!
//! The guide catches `Exception` and keeps `str(e)`. Here each failure is a
//! variant of `FetchError`, so a caller can match on it (retry a timeout, not
//! a 404); each says only what failed at its level, the error underneath
//! being its `source()`, and `report` prints the chain, as anyhow's `{:#}`
//! does (the book's page "Errors in async code").
//!
//! Translates:
//! - *Async/Await in Python*, "Timeouts and Error Handling" (the
//!   `except Exception as e` branch and `gather(return_exceptions=True)`)

use std::error::Error;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use futures::future::join_all;
use reqwest::{Client, Response, StatusCode};
use serde::Deserialize;
use tokio::net::TcpSocket;
use tokio::time::Instant;

const TIMEOUT: Duration = Duration::from_secs(2);
/// The longest body kept; a longer one is an error, not a bigger buffer.
const MAX_BODY: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
enum FetchError {
    #[error("cannot connect")]
    Connect(#[source] reqwest::Error),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("server answered {0}")]
    Status(StatusCode),
    #[error("the body is longer than {MAX_BODY} bytes")]
    TooLarge,
    #[error("not the JSON expected")]
    InvalidJson(#[source] serde_json::Error),
    #[error("request failed")]
    Other(#[source] reqwest::Error),
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

/// The error and each of its sources, joined with ": ".
fn report(error: &(dyn Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(source) = cause {
        text = format!("{text}: {source}");
        cause = source.source();
    }
    text
}

/// An address that refuses connections for as long as the returned socket
/// lives: bound, so that no other socket can take its port, and never
/// listening, so that the system refuses every connection to it.
fn refusing_address() -> io::Result<(TcpSocket, SocketAddr)> {
    let socket = TcpSocket::new_v4()?;
    socket.bind((Ipv4Addr::LOCALHOST, 0).into())?;
    let address = socket.local_addr()?;
    Ok((socket, address))
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
        // The deadline: reqwest's per-request timeout.
        .timeout(TIMEOUT)
        .send()
        .await
        .map_err(classify)?
        .error_for_status()
        .map_err(classify)?;
    let body = read_body(response).await?;
    // Decoded with serde_json, so a bad body comes with line and column.
    serde_json::from_slice(&body).map_err(FetchError::InvalidJson)
}

/// The body, up to `MAX_BODY` bytes: `text()` and `json()` hold the whole
/// body, however long, for as long as the server sends it.
async fn read_body(mut response: Response) -> Result<Vec<u8>, FetchError> {
    // A body announced too long is refused before any of it is read.
    if response
        .content_length()
        .is_some_and(|length| length > MAX_BODY as u64)
    {
        return Err(FetchError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(classify)? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(FetchError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

pub async fn run(base_url: &str) -> anyhow::Result<()> {
    let client = &Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .build()?;

    let (_refusing, closed) = refusing_address()?;

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
    // `gather(return_exceptions=True)`: `join_all` over `Result`s.
    let results = join_all(targets.iter().map(|(_, url)| fetch_document(client, url))).await;

    for ((name, _), result) in targets.iter().zip(&results) {
        match result {
            Ok(Document { slideshow }) => println!(
                "{name}: ok, {:?} with {} slides",
                slideshow.title,
                slideshow.slides.len()
            ),
            Err(error) => println!("{name}: {}", report(error)),
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
        Err(error) => anyhow::bail!("GET {base_url}/json failed: {}", report(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The refusing address is held: nothing else can listen on it, and a
    /// connection to it is refused.
    #[tokio::test]
    async fn the_refusing_address_is_held_and_refuses() {
        let (_refusing, address) = refusing_address().unwrap();
        let taken = tokio::net::TcpListener::bind(address).await;
        assert!(taken.is_err(), "another socket listens on {address}");
        let refused = tokio::net::TcpStream::connect(address).await.unwrap_err();
        assert_eq!(refused.kind(), io::ErrorKind::ConnectionRefused);
    }
}
