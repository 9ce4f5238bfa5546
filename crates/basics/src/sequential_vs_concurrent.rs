//! Sequential `.await`s add their times; concurrent ones take the slowest's.
//!
//! `.await` starts nothing in the background, in Rust as in Python:
//! concurrency is asked for, with `join!` (no new task) or `tokio::spawn` (a
//! new task). `is_coroutine` is `inspect.iscoroutine`, answered at compile time.
//!
//! Translates:
//! - *Python Async Programming: A Detailed Guide*, "The `await` Keyword"
//! - *Async/Await in Python*,
//!   "Coroutines and Event Loop" (`concurrent_example`)
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Creating and Managing Coroutines"

use std::future::Future;
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

async fn example_coroutine(name: &str, delay: Duration) -> String {
    println!("Coroutine {name} started");
    sleep(delay).await;
    println!("Coroutine {name} completed");
    format!("Result: {name}")
}

/// `inspect.iscoroutine`, checked by the compiler: a call with anything but a
/// future does not build, so `true` is the only answer left for run time.
fn is_coroutine<F: Future>(_: &F) -> bool {
    true
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
    // Plain handles: a cancelled `run` leaves the tasks running (the book's
    // page "Cancellation").
    let task1 = tokio::spawn(say_after(Duration::from_secs(1), "Hello"));
    let task2 = tokio::spawn(say_after(Duration::from_secs(2), "World"));
    task1.await?;
    task2.await?;
    println!("Concurrent with tasks: {}", seconds(start));

    println!();

    // Creating the futures runs none of their code: nothing prints yet.
    let coro1 = example_coroutine("A", Duration::from_secs(1));
    let coro2 = example_coroutine("B", Duration::from_secs(2));
    println!("Is coroutine: {}", is_coroutine(&coro1));

    let result1 = coro1.await;
    let result2 = coro2.await;
    println!("Sequential results: {result1}, {result2}");

    let coro3 = example_coroutine("C", Duration::from_secs(1));
    let coro4 = example_coroutine("D", Duration::from_secs(2));
    let (result3, result4) = tokio::join!(biased; coro3, coro4);
    println!("Concurrent results: {:?}", [result3, result4]);
    Ok(())
}
