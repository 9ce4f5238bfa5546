//! The event loop interleaving concurrent work, shown on a timeline of
//! elapsed time.
//!
//! Translates:
//! - *Python Async Programming: A Detailed Guide*,
//!   "Understanding the Event Loop" and
//!   "Event Loop Visualization"
//!
//! The guide stamps each line with the wall-clock time (`14:30:01`). Here each
//! line carries the time since start, measured with `tokio::time::Instant`.
//! That shows the same thing, every worker starting at once and finishing
//! after its own delay, and it prints the same on every run. It also means the
//! timeline is exact under Tokio's paused clock, where sleeps finish at once.
//!
//! Python's event loop and Tokio's current-thread runtime both run one piece
//! of code at a time on one thread. While a future waits on its timer, the
//! runtime polls the others; nothing is preempted.

use std::time::Duration;

use futures::future::join_all;
use tokio::time::{Instant, sleep};

async fn task1() -> &'static str {
    println!("Task 1 started");
    sleep(Duration::from_secs(2)).await;
    println!("Task 1 completed");
    "Result 1"
}

async fn task2() -> &'static str {
    println!("Task 2 started");
    sleep(Duration::from_secs(1)).await;
    println!("Task 2 completed");
    "Result 2"
}

/// Prints a line stamped with the time since `start`.
fn log(start: Instant, message: &str) {
    println!("[{:.1}s] {message}", start.elapsed().as_secs_f64());
}

async fn worker(start: Instant, name: &str, delay: Duration) -> String {
    log(start, &format!("{name}: Starting"));
    sleep(delay).await;
    log(start, &format!("{name}: Finished"));
    format!("{name} result")
}

pub async fn run() {
    println!("Starting event loop");
    let results = tokio::join!(biased; task1(), task2());
    println!("Results: {results:?}");

    println!();

    let start = Instant::now();
    log(start, "Main: Starting");
    let workers = [
        ("Worker-1", Duration::from_secs(3)),
        ("Worker-2", Duration::from_secs(1)),
        ("Worker-3", Duration::from_secs(2)),
    ];
    let results = join_all(workers.map(|(name, delay)| worker(start, name, delay))).await;
    log(start, "Main: All done");
    println!("Results: {results:?}");
}
