//! Fetch many URLs concurrently through one shared `reqwest::Client`, and
//! report which succeeded and which failed.
//!
//! Translates:
//! - *Async/Await in Python*, "HTTP Requests with AsyncIO"
//! - *Asynchronous Programming in Python*, "HTTP Requests (aiohttp)"
//! - *Python Async Programming: A Detailed Guide*,
//!   "Good Use Cases (I/O-Bound Operations)"
//!   (network requests)
//!
//! `aiohttp.ClientSession` is `reqwest::Client`: a pool of keep-alive
//! connections, meant to be built once and reused. It needs no `async with`:
//! its connections close when it is dropped, and cloning it is cheap (an
//! `Arc` inside) when tasks need their own handle. The third guide opens a
//! new session for every URL, which throws the pool away each time; here
//! every request goes through one client.
//!
//! A request future does nothing until it is polled, so `join_all` over the
//! requests is `gather`: all of them are in flight at once, on one task, and
//! the results come back in the order of the URLs.
//!
//! The local server stands in for JSONPlaceholder: `/posts/{id}` answers the
//! same JSON. Two URLs are added to show failures, a post that does not
//! exist and a page that is not JSON. Like aiohttp, reqwest hands back any
//! answer as a response, a 404 included, so the guide's `fetch_url` would
//! mark a missing post with ✓; `error_for_status` makes a 4xx or 5xx an
//! error. The JSON is decoded into a typed `Post`, where the guide gets a
//! dict and drops it.

use std::error::Error;
use std::time::Duration;

use anyhow::bail;
use futures::future::join_all;
use reqwest::{Client, StatusCode};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Post {
    id: u32,
    title: String,
}

/// Errors leave out the URL: the caller knows which one it asked for, and
/// it holds the server's port.
async fn fetch_post(client: &Client, url: String) -> Result<(StatusCode, Post), reqwest::Error> {
    let fetch = async {
        let response = client.get(url).send().await?.error_for_status()?;
        let status = response.status();
        Ok((status, response.json().await?))
    };
    fetch.await.map_err(reqwest::Error::without_url)
}

pub async fn run(base_url: &str) -> anyhow::Result<()> {
    // Without a connect timeout, a host that drops packets would keep a
    // request waiting for as long as the operating system lets it.
    let client = Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .build()?;

    let paths = ["/posts/1", "/posts/2", "/posts/3", "/posts/101", "/html"];
    let requests = paths.map(|path| fetch_post(&client, format!("{base_url}{path}")));
    let results = join_all(requests).await;

    for (path, result) in paths.iter().zip(&results) {
        match result {
            Ok((status, post)) => println!("✓ {path}: {status}, post {} {:?}", post.id, post.title),
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
