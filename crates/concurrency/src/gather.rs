//! `asyncio.gather` three ways: `join!` for a fixed set of futures,
//! `join_all` for a list of them, and `JoinSet` for spawned tasks.
//!
//! `gather` runs its awaitables concurrently and returns their results in the
//! order they were passed. Rust has three tools for that, which differ in
//! what they run and what they own:
//!
//! - `tokio::join!(a, b, c)` takes a fixed number of futures, which may have
//!   different types, and polls them inside the current task: no allocation,
//!   no spawning, and the futures may borrow local variables. The result is
//!   a tuple. It rotates which future it polls first; `biased;` polls them
//!   in the order written, so "Fetching data" prints in that order.
//! - `futures::future::join_all(iter)` takes any number of futures of one
//!   type, also polled in place, and returns a `Vec` in input order.
//! - `tokio::task::JoinSet` holds spawned tasks. They run on their own (in
//!   parallel on a multi-thread runtime), must own their data (`'static`),
//!   and are asked to stop (aborted) when the set is dropped. `join_next`
//!   hands results back as they finish, so to get gather's order back, tag
//!   each with its index.
//!
//! Reach for `join!` for a handful of known futures, `join_all` for a list
//! of cheap ones, and `JoinSet` when the work should be tasks: heavy enough
//! for other threads, or meant to make progress while the current function
//! does something else. (For results as soon as each finishes,
//! `FuturesUnordered` does it without spawning: see `as_completed`.)
//!
//! Translates:
//! - *Python Async Programming: A Detailed Guide*, "Using `asyncio.gather()`"
//! - *Python Async/Await*, "Gathering Tasks"

use std::time::Duration;

use futures::future::join_all;
use tokio::task::{JoinError, JoinSet};
use tokio::time::{Instant, sleep};

async fn fetch_data(id: u32, delay: Duration) -> String {
    println!("Fetching data {id}");
    sleep(delay).await;
    format!("Data {id}")
}

/// *Python Async/Await*'s `fetch_data(url)`, renamed because the other
/// guide's `fetch_data` above takes an id and a delay.
async fn fetch_url(url: &str) -> String {
    // Stands in for an HTTP request; the section `real-world` makes real ones.
    sleep(Duration::from_secs(1)).await;
    format!("Data from {url}")
}

const URLS: [&str; 3] = [
    "http://example.com",
    "http://example.org",
    "http://example.net",
];

pub async fn run() -> Result<(), JoinError> {
    let start = Instant::now();
    let (data1, data2, data3) = tokio::join!(
        biased;
        fetch_data(1, Duration::from_secs(2)),
        fetch_data(2, Duration::from_secs(1)),
        fetch_data(3, Duration::from_secs(3)),
    );
    println!("Results: {:?}", [data1, data2, data3]);
    println!("Time taken: {:.1}s", start.elapsed().as_secs_f64());

    let results = join_all(URLS.map(fetch_url)).await;
    println!("join_all: {results:?}");

    let mut tasks = JoinSet::new();
    for (index, url) in URLS.into_iter().enumerate() {
        tasks.spawn(async move { (index, fetch_url(url).await) });
    }
    let mut results = vec![String::new(); URLS.len()];
    while let Some(finished) = tasks.join_next().await {
        let (index, data) = finished?;
        results[index] = data;
    }
    println!("JoinSet:  {results:?}");
    Ok(())
}
