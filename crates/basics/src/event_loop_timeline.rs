//! The event loop interleaving concurrent work, shown on a timeline of
//! elapsed time.
//!
//! Python's event loop and Tokio's current-thread runtime both run one piece of
//! code at a time on one thread, and nothing is preempted: while one future
//! waits on its timer, `join!` polls the others.
//!
//! Translates:
//! - *Python Async Programming: A Detailed Guide*,
//!   "Understanding the Event Loop" and
//!   "Event Loop Visualization"

use std::time::Duration;

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

/// Prints a line stamped with the time since `start`, where the guide prints
/// its wall clock, so that every run prints the same.
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
    let (result1, result2) = tokio::join!(biased; task1(), task2());
    println!("Results: {:?}", [result1, result2]);

    println!();

    let start = Instant::now();
    log(start, "Main: Starting");
    let (result1, result2, result3) = tokio::join!(
        biased;
        worker(start, "Worker-1", Duration::from_secs(3)),
        worker(start, "Worker-2", Duration::from_secs(1)),
        worker(start, "Worker-3", Duration::from_secs(2)),
    );
    log(start, "Main: All done");
    println!("Results: {:?}", [result1, result2, result3]);
}
