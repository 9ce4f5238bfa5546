//! Fetch many URLs concurrently through one shared `reqwest::Client`: pages
//! as text, all or nothing, then JSON with each failure in its place.
//!
//! `aiohttp.ClientSession` is `reqwest::Client`, built once and shared (a
//! guide opens one per URL). `gather` without `return_exceptions` is
//! `try_join_all`, which returns the first error and drops the other
//! requests; with it, `join_all` over `Result`s. `error_for_status` makes a
//! 404 an error, which a guide misses when the 404 is JSON. Each body is
//! read up to `MAX_BODY`, where `text()` and `json()` would hold one of any
//! length.
//!
//! Translates:
//! - *Asynchronous Programming in Python*, "HTTP Requests (aiohttp)"
//! - *Python Async Programming: A Detailed Guide*,
//!   "Good Use Cases (I/O-Bound Operations)" (network requests)
//! - *Async/Await in Python*, "HTTP Requests with AsyncIO"

use std::error::Error;
use std::time::Duration;

use anyhow::{Context, bail};
use futures::future::{join_all, try_join_all};
use reqwest::{Client, Response};
use serde::de::IgnoredAny;

/// The longest body kept; a longer one is an error, not a bigger buffer.
const MAX_BODY: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
enum FetchError {
    #[error(transparent)]
    Http(reqwest::Error),
    #[error("the body is longer than {MAX_BODY} bytes")]
    TooLarge,
    /// A body that is not JSON, in the words reqwest's `json()` uses.
    #[error("error decoding response body")]
    NotJson(#[source] serde_json::Error),
}

impl From<reqwest::Error> for FetchError {
    fn from(error: reqwest::Error) -> Self {
        // The caller knows which URL it asked for, and it holds the
        // server's port.
        FetchError::Http(error.without_url())
    }
}

/// The guide's `fetch_url(session, url)`: the page as text.
async fn fetch_url(client: &Client, url: String) -> Result<String, FetchError> {
    let response = client.get(url).send().await?.error_for_status()?;
    let page = read_body(response).await?;
    Ok(String::from_utf8_lossy(&page).into_owned())
}

/// The third guide's `fetch_url`: the status code, once the body has been
/// checked to be JSON. `IgnoredAny` keeps none of the JSON once parsed.
async fn fetch_json(client: &Client, url: String) -> Result<u16, FetchError> {
    let response = client.get(url).send().await?.error_for_status()?;
    let status = response.status().as_u16();
    let body = read_body(response).await?;
    serde_json::from_slice::<IgnoredAny>(&body).map_err(FetchError::NotJson)?;
    Ok(status)
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
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(FetchError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

pub async fn run(base_url: &str) -> anyhow::Result<()> {
    // reqwest has no timeout by default. `connect_timeout` ends a connect
    // to a host that drops packets, which would otherwise wait for as long
    // as the operating system lets it; it does nothing for a server that
    // accepts the connection and then never answers. `timeout` bounds the
    // whole request, from connecting to the end of the body.
    let client = Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10))
        .build()
        .context("cannot build the HTTP client")?;

    // The local httpbin's `/anything` stands in for the internet. The pages
    // come all or nothing, as the first two guides' `gather`.
    let pages = [
        "/anything/example.com",
        "/anything/example.org",
        "/anything/example.net",
    ];
    let texts = try_join_all(pages.map(|path| fetch_url(&client, format!("{base_url}{path}"))))
        .await
        .context("fetching the pages")?;
    println!("Fetched {} pages", texts.len());
    println!();

    let paths = [
        "/anything/posts/1",
        "/anything/posts/2",
        "/anything/posts/3",
        "/status/404",
        "/html",
    ];
    // The third guide's: each failure reported in its place.
    let results =
        join_all(paths.map(|path| fetch_json(&client, format!("{base_url}{path}")))).await;
    for (path, result) in paths.iter().zip(&results) {
        match result {
            Ok(status) => println!("✓ {path}: {status}"),
            Err(error) => println!("✗ {path}: {}", with_cause(error)),
        }
    }
    if results.iter().all(Result::is_err) {
        bail!(
            "none of the {} URLs could be fetched from {base_url}",
            paths.len()
        );
    }
    Ok(())
}

/// The error's own message ("error sending request") and the innermost
/// cause ("Connection refused (os error 111)"), on one line.
fn with_cause(error: &FetchError) -> String {
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
