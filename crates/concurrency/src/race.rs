//! A race: the first of two futures to finish wins, and the loser is
//! cancelled by being dropped.
//!
//! In the guide both "fast" and "slow" fetches sleep one second, so neither
//! is faster and `done` holds both. Here the slow one takes three seconds, as
//! the names intend.
//!
//! `tokio::select!` polls several futures in the current task and runs the
//! branch of the first to finish. The other futures are dropped on the spot,
//! and in Rust dropping a future *is* cancelling it: it never runs again, so
//! it stops at the `.await` where it was waiting, and its destructors run.
//! No `CancelledError` is raised inside it; cleanup that must happen on
//! cancellation belongs in a `Drop` impl, like `Request` below.
//!
//! `select!` starts polling at a randomly chosen branch, for fairness, so
//! when several branches are ready at once, which one wins is random.
//! `biased;` makes it check them in the order written, which also keeps this
//! example's output the same on every run.
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
