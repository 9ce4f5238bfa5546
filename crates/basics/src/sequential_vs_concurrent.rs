//! Awaiting one future after another adds their times; running them
//! concurrently takes as long as the slowest.
//!
//! Translates:
//! - *Python Async Programming: A Detailed Guide*, "The `await` Keyword"
//! - *Async/Await in Python*,
//!   "Coroutines and Event Loop" (`concurrent_example`)
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Creating and Managing Coroutines"
//!
//! `.await` never starts anything in the background: `a().await; b().await;`
//! runs `b` only after `a` has finished, in Rust as in Python. Concurrency has
//! to be asked for, with `join!` (no new task) or `tokio::spawn` (a new task).
//! The elapsed times are measured with `tokio::time::Instant` and rounded, so
//! they match the guides' "2 seconds", "1 second", "3 seconds" exactly.

use std::time::Duration;

use tokio::task::JoinError;
use tokio::time::{Instant, sleep};

async fn step1() -> &'static str {
    println!("Step 1: Starting");
    sleep(Duration::from_secs(1)).await;
    println!("Step 1: Done");
    "Result 1"
}

async fn step2() -> &'static str {
    println!("Step 2: Starting");
    sleep(Duration::from_secs(1)).await;
    println!("Step 2: Done");
    "Result 2"
}

async fn say_after(delay: Duration, message: &str) {
    sleep(delay).await;
    println!("{message}");
}

fn seconds(since: Instant) -> String {
    format!("{:.1}s", since.elapsed().as_secs_f64())
}

pub async fn run() -> Result<(), JoinError> {
    let start = Instant::now();
    let result1 = step1().await;
    let result2 = step2().await;
    println!("Sequential: {result1}, {result2} ({})", seconds(start));

    let start = Instant::now();
    let (result1, result2) = tokio::join!(biased; step1(), step2());
    println!("Concurrent: {result1}, {result2} ({})", seconds(start));

    println!();

    let start = Instant::now();
    say_after(Duration::from_secs(1), "Hello").await;
    say_after(Duration::from_secs(2), "World").await;
    println!("Sequential with await: {}", seconds(start));

    let start = Instant::now();
    let task1 = tokio::spawn(say_after(Duration::from_secs(1), "Hello"));
    let task2 = tokio::spawn(say_after(Duration::from_secs(2), "World"));
    task1.await?;
    task2.await?;
    println!("Concurrent with tasks: {}", seconds(start));
    Ok(())
}
