//! A scraper fetching five two-second pages concurrently: two seconds, not ten.
//!
//! Each page is a real request to the local server's `/delay/2`, tagged so
//! the scraper can check it got the page it asked for. `buffered(n)` over
//! `stream::iter` is `gather` with a limit, in input order. Each page is
//! read up to `MAX_BODY`, where `json()` would hold one of any length.
//!
//! Translates:
//! - *Python Async Programming: A Detailed Guide*,
//!   "Web Scraping" (practical examples)
//! - *Python Async/Await*, "Exercises" (exercise 1: an async web scraper
//!   that fetches multiple pages concurrently)

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use futures::{StreamExt, stream};
use reqwest::{Client, Response};
use serde::Deserialize;
use tokio::time::Instant;

const PAGES: u32 = 5;
const MAX_CONCURRENT: usize = 5;
/// The longest page kept; a longer one is an error, not a bigger buffer.
const MAX_BODY: usize = 1024 * 1024;

/// The part of httpbin's echo that the scraper reads.
#[derive(Debug, Deserialize)]
struct Echo {
    args: HashMap<String, String>,
}

struct Page {
    session: u32,
    path: String,
}

fn page_path(session: u32) -> String {
    format!("/delay/2?page={session}")
}

async fn fetch_page(client: &Client, base_url: &str, session: u32) -> anyhow::Result<Page> {
    let path = page_path(session);
    let response = client
        .get(format!("{base_url}{path}"))
        .send()
        .await
        .and_then(|response| response.error_for_status())
        .map_err(reqwest::Error::without_url)
        .with_context(|| format!("fetching {path}"))?;
    let body = read_body(response)
        .await
        .with_context(|| format!("reading {path}"))?;
    let echo: Echo = serde_json::from_slice(&body).with_context(|| format!("reading {path}"))?;
    let page = echo.args.get("page").map(String::as_str);
    ensure!(
        page == Some(session.to_string().as_str()),
        "{path} answered for page {page:?}"
    );
    Ok(Page { session, path })
}

/// The body, up to `MAX_BODY` bytes: `json()` holds the whole body, however
/// long, for as long as the server sends it. Errors leave out the URL: the
/// caller knows which one it asked for, and it holds the server's port.
async fn read_body(mut response: Response) -> anyhow::Result<Vec<u8>> {
    // A body announced too long is refused before any of it is read.
    if response
        .content_length()
        .is_some_and(|length| length > MAX_BODY as u64)
    {
        bail!("the body is longer than {MAX_BODY} bytes");
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(reqwest::Error::without_url)?
    {
        if body.len() + chunk.len() > MAX_BODY {
            bail!("the body is longer than {MAX_BODY} bytes");
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

pub async fn run(base_url: &str) -> anyhow::Result<()> {
    // reqwest has no timeout by default: a server that accepted and then
    // stalled would hold a page, and the scrape, for ever. `timeout` bounds
    // each whole request, from connecting to the end of the body.
    let client = Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10))
        .build()?;
    let start = Instant::now();

    let mut pages = stream::iter(1..=PAGES)
        .map(|session| {
            // Printed here, where `buffered` takes the pages in input order;
            // which of its fetches it first polls is not specified.
            println!("Session {session}: Fetching {}", page_path(session));
            fetch_page(&client, base_url, session)
        })
        .buffered(MAX_CONCURRENT);
    let mut fetched = 0;
    // On an error, `?` drops the stream, which cancels the fetches in flight.
    while let Some(page) = pages.next().await {
        let Page { session, path } = page?;
        println!("Session {session}: Completed {path}");
        fetched += 1;
    }

    println!();
    println!(
        "Fetched {fetched} pages in {:.1} seconds",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
