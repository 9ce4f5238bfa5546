//! A race: the first of two futures to finish wins, and the loser is
//! cancelled by being dropped.
//!
//! `tokio::select!` runs the branch of the first future to finish and drops the
//! others on the spot; in Rust dropping a future is cancelling it: it stops at
//! its `.await`, no `CancelledError` is raised in it, and its destructors run
//! (`Request`). `biased;` checks the branches in the order written instead of
//! a random one. In the guide both fetches take a second, so nothing races;
//! here the slow one takes three.
//!
//! Translates:
//! - *Python Async/Await*, "Race Conditions"

use std::time::Duration;

use tokio::time::{Instant, sleep};

/// An in-flight request that says so if it is dropped before it completes.
struct Request {
    url: &'static str,
    completed: bool,
}

impl Drop for Request {
    fn drop(&mut self) {
        if !self.completed {
            println!("{}: dropped while waiting, so it was cancelled", self.url);
        }
    }
}

async fn fetch_data(url: &'static str, delay: Duration) -> String {
    println!("Fetching {url}");
    let mut request = Request {
        url,
        completed: false,
    };
    sleep(delay).await;
    request.completed = true;
    format!("Data from {url}")
}

pub async fn run() {
    let start = Instant::now();
    let winner = tokio::select! {
        biased;
        data = fetch_data("http://fast.com", Duration::from_secs(1)) => data,
        data = fetch_data("http://slow.com", Duration::from_secs(3)) => data,
    };
    println!(
        "Winner: {winner} (after {:.1}s)",
        start.elapsed().as_secs_f64()
    );
}
