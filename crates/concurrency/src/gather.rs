//! `asyncio.gather` three ways: `join!` for a fixed set of futures,
//! `join_all` for a list of them, and `JoinSet` for spawned tasks.
//!
//! `join!` and `join_all` poll their futures inside the current task: nothing
//! is spawned, the futures may borrow locals, and results come in the order
//! given. A `JoinSet`'s tasks own their data, may run in parallel and are
//! aborted when it is dropped; `join_next` yields them as they finish, so
//! each carries its index.
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
    // `biased;` also polls them in the order given.
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
    // Each result goes back to its index: `gather`'s order.
    let mut results = vec![String::new(); URLS.len()];
    while let Some(finished) = tasks.join_next().await {
        let (index, data) = finished?;
        results[index] = data;
    }
    println!("JoinSet:  {results:?}");
    Ok(())
}
