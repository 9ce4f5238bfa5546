//! A deadline around a whole request, `tokio::time::timeout`: `/delay/10`
//! against a 3 s limit gives up at 3 s, while `/delay/1` finishes.
//!
//! `asyncio.timeout(t)` is `timeout(t, future)`: past the deadline the request
//! is dropped, which closes its connection (reqwest's own
//! `RequestBuilder::timeout` does the same). The guide returns the timeout as
//! a string, which `gather` counts as a success; here it is an `Err`.
//!
//! Translates:
//! - *Async/Await in Python*, "Timeouts and Error Handling"

use std::error::Error;
use std::time::Duration;

use futures::future::join_all;
use reqwest::{Client, Response, StatusCode};
use tokio::time::{Instant, timeout};

/// The longest body kept; a longer one is an error, not a bigger buffer.
const MAX_BODY: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
enum FetchError {
    #[error("Timeout after {} seconds", .0.as_secs())]
    Timeout(Duration),
    #[error("Error")]
    Http(#[source] reqwest::Error),
    #[error("the body is longer than {MAX_BODY} bytes")]
    TooLarge,
}

impl From<reqwest::Error> for FetchError {
    fn from(error: reqwest::Error) -> Self {
        // The caller knows which URL it asked for, and it holds the
        // server's port.
        FetchError::Http(error.without_url())
    }
}

/// The status and the body, read within `limit`.
async fn fetch_with_timeout(
    client: &Client,
    url: String,
    limit: Duration,
) -> Result<(StatusCode, Vec<u8>), FetchError> {
    let fetch = async {
        let response = client.get(url).send().await?.error_for_status()?;
        let status = response.status();
        Ok((status, read_body(response).await?))
    };
    match timeout(limit, fetch).await {
        Ok(result) => result,
        Err(_elapsed) => Err(FetchError::Timeout(limit)),
    }
}

/// The body, up to `MAX_BODY` bytes: the deadline bounds how long the
/// server may send, not how much, and `text()` holds the whole body.
async fn read_body(mut response: Response) -> Result<Vec<u8>, FetchError> {
    // A body announced too long is refused before any of it is read.
    if response
        .content_length()
        .is_some_and(|length| length > MAX_BODY as u64)
    {
        return Err(FetchError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
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
    let start = Instant::now();

    let tasks = [
        ("/delay/1", Duration::from_secs(5)),
        ("/delay/10", Duration::from_secs(3)), // will time out
    ]
    .map(|(path, limit)| async move {
        let result = fetch_with_timeout(client, format!("{base_url}{path}"), limit).await;
        (result, start.elapsed())
    });
    // `gather(return_exceptions=True)`: `join_all` over `Result`s.
    let results = join_all(tasks).await;

    // The status and the time print, not the page's length: `/delay` echoes
    // the port.
    for (i, (result, elapsed)) in results.iter().enumerate() {
        let elapsed = elapsed.as_secs_f64();
        match result {
            Ok((status, _body)) => println!("Task {i} success: {status} (at {elapsed:.1}s)"),
            Err(error) => println!("Task {i} failed: {} (at {elapsed:.1}s)", report(error)),
        }
    }
    println!("Both done in {:.1}s", start.elapsed().as_secs_f64());

    // The second request's timeout is the lesson; any other failure, the
    // first timing out included, means the server did not answer as it
    // should.
    if let [(first, _), (second, _)] = results.as_slice()
        && (first.is_err() || matches!(second, Err(FetchError::Http(_) | FetchError::TooLarge)))
    {
        anyhow::bail!("a request to {base_url} failed");
    }
    Ok(())
}

/// The error and each of its sources, joined with ": " (see the book's
/// page "Errors in async code").
fn report(error: &(dyn Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(source) = cause {
        text = format!("{text}: {source}");
        cause = source.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    /// A failed request keeps reqwest's error as its source, not only in
    /// its message, so a caller can reach it.
    #[tokio::test]
    async fn a_failed_request_keeps_its_cause_as_its_source() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        // Bound and never listening: every connection to it is refused.
        let refusing = tokio::net::TcpSocket::new_v4().unwrap();
        refusing.bind((Ipv4Addr::LOCALHOST, 0).into()).unwrap();
        let url = format!("http://{}/", refusing.local_addr().unwrap());
        let limit = Duration::from_secs(5);
        let error = fetch_with_timeout(&Client::new(), url, limit)
            .await
            .unwrap_err();
        let cause = error
            .source()
            .and_then(|cause| cause.downcast_ref::<reqwest::Error>());
        assert!(cause.is_some_and(reqwest::Error::is_connect), "{error:?}");
        assert!(report(&error).starts_with("Error: error sending request: "));
    }
}
