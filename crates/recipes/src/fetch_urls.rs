//! Fetch many URLs, each within a time limit, at most three at a time: the
//! short answer, with no retries (`concurrent_requests` adds them).
//!
//! In asyncio: a `Semaphore(3)` around each `session.get`, a timeout on the
//! session, and `gather(..., return_exceptions=True)`. Here the `Client`'s
//! timeout covers each request to the last byte of its body, and
//! `buffer_unordered(3)` starts a request only while fewer than three are in
//! flight, with no semaphore, and yields each result as soon as it is done.
//!
//! What not to undo when you copy it:
//! - The timeout: reqwest has none by default.
//! - The limit on each body: `text()` holds a body of any length, and the
//!   timeout limits only how long it may take to come.
//! - One `Client` for every request: it holds the connection pool.
//!
//! Translates:
//! - *Python Async/Await*, "Semaphores" (`Semaphore(3)` around each
//!   operation, then `gather`) and "HTTP Requests (aiohttp)"

use std::time::Duration;

use futures::stream::{self, StreamExt};
use reqwest::{Client, Response};

/// How long a request may take, from connecting to the end of its body;
/// far above the slowest answer `run` waits for (2 s), which a busy machine
/// or server makes later.
const TIMEOUT: Duration = Duration::from_secs(5);
/// How many requests may be in flight at once.
const AT_MOST: usize = 3;
/// The longest body kept.
const MAX_BODY: usize = 1024 * 1024;

/// Each URL with its body, or why there is none, in the order they finish.
pub async fn fetch_all(
    urls: Vec<String>,
) -> reqwest::Result<Vec<(String, anyhow::Result<Vec<u8>>)>> {
    // reqwest has no timeout by default: a server that accepts and never
    // answers would hold one of the places for ever.
    let client = Client::builder().timeout(TIMEOUT).build()?;
    let client = &client;
    let results = stream::iter(urls)
        .map(|url| async move {
            let body = fetch(client, &url).await;
            (url, body)
        })
        // As they finish, so a slow or failed request holds up none of the
        // others; `buffered` would keep the URLs' order, and wait behind a
        // slow one.
        .buffer_unordered(AT_MOST)
        .collect()
        .await;
    Ok(results)
}

/// The body of `url`. Its errors leave out the URL, which the caller has.
async fn fetch(client: &Client, url: &str) -> anyhow::Result<Vec<u8>> {
    let response = client
        .get(url)
        .send()
        .await
        .and_then(Response::error_for_status);
    let mut response = response.map_err(reqwest::Error::without_url)?;
    // A body announced too long is refused before any of it is read.
    anyhow::ensure!(
        response
            .content_length()
            .is_none_or(|length| length <= MAX_BODY as u64),
        "longer than {MAX_BODY} bytes"
    );
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(reqwest::Error::without_url)?
    {
        anyhow::ensure!(
            body.len() + chunk.len() <= MAX_BODY,
            "longer than {MAX_BODY} bytes"
        );
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

pub async fn run(base_url: &str) -> anyhow::Result<()> {
    let start = tokio::time::Instant::now();
    // httpbin's `/drip?delay=n` answers after n seconds.
    let paths = [
        "/json",
        "/drip?delay=1&duration=0",
        "/drip?delay=10&duration=0", // longer than TIMEOUT
        "/status/404",
        "/drip?delay=2&duration=0",
        "/html",
    ];
    let urls = paths
        .iter()
        .map(|path| format!("{base_url}{path}"))
        .collect();
    let mut failed = 0;
    for (url, body) in fetch_all(urls).await? {
        let path = url.strip_prefix(base_url).unwrap_or(&url);
        match body {
            Ok(body) => println!("{path}: {} bytes", body.len()),
            Err(error) => {
                println!("{path}: {error:#}");
                failed += 1;
            }
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "{} URLs in {seconds:.1}s, at most {AT_MOST} at a time",
        paths.len()
    );
    // Another server, or one that never answers, fails where httpbin
    // would not: that is an error, not a demonstration.
    if failed != 2 {
        anyhow::bail!("{failed} requests to {base_url} failed, where httpbin's fail 2");
    }
    Ok(())
}
