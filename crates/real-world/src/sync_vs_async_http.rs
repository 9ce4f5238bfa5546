//! Two slow requests made one after another with a blocking client take
//! the sum of their times; made concurrently with the async client, they
//! take the longest one.
//!
//! `requests` is `reqwest::blocking`, which must never run on a runtime thread
//! (debug builds panic; release builds freeze every task on it), so it runs on
//! a thread of its own. The guide never calls its `main_sync`; here it runs.
//! Each page is read up to `MAX_BODY`, where `text()` would hold one of any
//! length.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Synchronous vs Asynchronous"

use std::io::{self, Read};
use std::thread;
use std::time::Duration;

use futures::future::join_all;
use reqwest::StatusCode;
use tokio::sync::oneshot;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

const PATHS: [&str; 2] = ["/delay/1", "/delay/2"];
/// Enough for the slowest page, and for one that waits behind another on a
/// server that answers one request at a time.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest page kept; a longer one is an error, not a bigger buffer.
const MAX_BODY: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
enum FetchError {
    #[error(transparent)]
    Http(reqwest::Error),
    #[error("the page is longer than {MAX_BODY} bytes")]
    TooLarge,
    /// A blocking read failed: reqwest's error, as an `io::Error`.
    #[error("the page broke off")]
    Cut(#[source] io::Error),
}

impl From<reqwest::Error> for FetchError {
    fn from(error: reqwest::Error) -> Self {
        // The caller knows which URL it asked for, and it holds the
        // server's port.
        FetchError::Http(error.without_url())
    }
}

/// The guide's `main_sync` loop: plain blocking code, as it would be
/// without any async runtime, that stops before its next request once `stop`
/// is cancelled.
fn fetch_all_blocking(
    client: &reqwest::blocking::Client,
    base_url: &str,
    stop: &CancellationToken,
) -> Result<(), FetchError> {
    for path in PATHS {
        if stop.is_cancelled() {
            // Nobody is waiting for the pages any more.
            return Ok(());
        }
        let status = fetch_sync(client, format!("{base_url}{path}"))?;
        println!("Fetched {path}: {status}");
    }
    Ok(())
}

fn fetch_sync(client: &reqwest::blocking::Client, url: String) -> Result<StatusCode, FetchError> {
    let response = client.get(url).send()?.error_for_status()?;
    // The status prints, not the page's length: `/delay` echoes the port.
    let status = response.status();
    read_body_blocking(response)?; // read the whole page, as `requests` does
    Ok(status)
}

async fn fetch_async(client: &reqwest::Client, url: String) -> Result<StatusCode, FetchError> {
    let response = client.get(url).send().await?.error_for_status()?;
    let status = response.status();
    read_body(response).await?;
    Ok(status)
}

/// The body, up to `MAX_BODY` bytes: `text()` holds the whole body, however
/// long, for as long as the server sends it.
fn read_body_blocking(response: reqwest::blocking::Response) -> Result<Vec<u8>, FetchError> {
    // A body announced too long is refused before any of it is read.
    if response
        .content_length()
        .is_some_and(|length| length > MAX_BODY as u64)
    {
        return Err(FetchError::TooLarge);
    }
    let mut body = Vec::new();
    // One byte past the limit tells a body too long from one that fits.
    let limit = MAX_BODY as u64 + 1;
    response
        .take(limit)
        .read_to_end(&mut body)
        .map_err(FetchError::Cut)?;
    if body.len() > MAX_BODY {
        return Err(FetchError::TooLarge);
    }
    Ok(body)
}

/// `read_body_blocking`, for the async client's `Response`.
async fn read_body(mut response: reqwest::Response) -> Result<Vec<u8>, FetchError> {
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
    println!("Blocking, one after another:");
    // Building a client takes a moment (it sets up TLS and the system's root
    // certificates), so each half builds its client before its clock starts.
    let (ready_tx, ready) = oneshot::channel();
    let (done_tx, done) = oneshot::channel();
    let url = base_url.to_owned();
    let stop = CancellationToken::new();
    let thread_stop = stop.clone();
    // A thread of its own: `spawn_blocking` would do in an application, but
    // on the paused clock the example's server, on this runtime, could not
    // move time while the blocking pool waits for it.
    thread::spawn(move || {
        // The blocking client's `timeout` (30 s by default) bounds the wait
        // for the answer, and then the reading of its body.
        let result = reqwest::blocking::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(FetchError::from)
            .and_then(|client| {
                let _ = ready_tx.send(());
                fetch_all_blocking(&client, &url, &thread_stop)
            });
        // If the receiver is gone there is no one left to tell.
        let _ = done_tx.send(result);
    });
    // Dropping `run()` drops the guard, which asks the thread to stop.
    let _stop_thread = stop.drop_guard();
    // An error building the client drops `ready_tx`; `done` then has it.
    let _ = ready.await;
    let start = Instant::now();
    done.await??;
    println!("Total time: {}", tenths(start.elapsed()));

    println!();
    println!("Async, concurrently:");
    // The async client has no timeout by default; its `timeout` bounds the
    // whole request, from connecting to the end of the body.
    let client = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(Duration::from_secs(5))
        .build()?;
    let start = Instant::now();
    let requests = PATHS.map(|path| fetch_async(&client, format!("{base_url}{path}")));
    for (path, result) in PATHS.iter().zip(join_all(requests).await) {
        let status = result?;
        println!("Fetched {path}: {status}");
    }
    println!("Total time: {}", tenths(start.elapsed()));
    Ok(())
}

/// Elapsed time in tenths of a second, rounded down. On the real clock a
/// timer fires late, never early, and the lateness adds up over sequential
/// waits; rounding down prints the time the schedule gives as long as that
/// lateness stays under 0.1 s. On the paused clock the time is exact.
fn tenths(elapsed: Duration) -> String {
    let tenths = elapsed.as_millis() / 100;
    format!("{}.{}s", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A body past `MAX_BODY` is an error from the async client, whether
    /// its length is announced or not; the blocking client's is what the
    /// workspace's `huge_bodies` test sees first.
    #[tokio::test]
    async fn a_body_too_long_is_an_error() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        // No length announced: 64 KiB chunks, one past `MAX_BODY`.
        let chunks = || {
            let count = MAX_BODY / (64 * 1024) + 1;
            let chunk = |_| Ok::<_, io::Error>(vec![b'x'; 64 * 1024]);
            futures::stream::iter((0..count).map(chunk))
        };
        let app = axum::Router::new()
            .route(
                "/announced",
                axum::routing::get(|| async { vec![b'x'; MAX_BODY + 1] }),
            )
            .route(
                "/chunked",
                axum::routing::get(move || async move { axum::body::Body::from_stream(chunks()) }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let _server = tokio_util::task::AbortOnDropHandle::new(tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        }));
        let client = reqwest::Client::new();
        for path in ["/announced", "/chunked"] {
            let fetched = fetch_async(&client, format!("http://{address}{path}")).await;
            assert!(
                matches!(fetched, Err(FetchError::TooLarge)),
                "{path}: {fetched:?}"
            );
        }
    }
}
