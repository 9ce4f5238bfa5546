//! The guide's do's and don'ts, in Tokio: await directly instead of spawning
//! a task to await at once; spawn (or `join!`) when other work should run
//! meanwhile; send blocking calls to `spawn_blocking`.
//!
//! A task spawned only to be awaited at once costs more in Tokio than in
//! asyncio: its future must be `Send` and `'static`, so borrowed arguments
//! are cloned; and a `timeout` around `tokio::spawn(f).await` drops only the
//! `JoinHandle`, leaving `f` running, where cancelling an asyncio task
//! cancels the task it awaits (where tasks are needed, a `JoinQueue`, below,
//! stops them with its owner). `join!` gives concurrency in one function
//! without a task, and may borrow. The guide's block crashes as printed, on
//! a name it never defines.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Do's and Don'ts"

use std::time::Duration;

use tokio::task::{JoinError, spawn_blocking};
use tokio::time::{Instant, sleep};
use tokio_util::task::JoinQueue;

async fn simple_async_func() -> &'static str {
    "simple"
}

async fn operation(name: &'static str) -> &'static str {
    sleep(Duration::from_secs(1)).await;
    name
}

async fn other_work() {
    sleep(Duration::from_secs(1)).await;
}

fn blocking_function() -> &'static str {
    std::thread::sleep(Duration::from_millis(100));
    "blocking_result"
}

/// The rest of the guide's list has its own examples: `runtime`,
/// `basics/gather_results`, `context-managers`, `error-handling` and
/// `pitfalls/blocking_the_runtime`.
pub async fn run() -> Result<(), JoinError> {
    // DON'T: create a task only to await it.
    let result = tokio::spawn(simple_async_func()).await?;
    println!("Task spawned and awaited at once: {result}");
    // DO: just await it.
    println!("Awaited directly: {}", simple_async_func().await);

    // DO: use tasks when other work should happen meanwhile. A `JoinQueue`
    // gives their results in the order spawned, and aborts them if `run` is
    // cancelled.
    let start = Instant::now();
    let mut tasks = JoinQueue::new();
    tasks.spawn(operation("op1"));
    tasks.spawn(operation("op2"));
    other_work().await;
    let mut results = Vec::new();
    while let Some(result) = tasks.join_next().await {
        results.push(result?);
    }
    println!(
        "Tasks beside other work: {} in {}",
        results.join(", "),
        seconds(start)
    );

    // Or, within one function, without tasks.
    let start = Instant::now();
    let (result1, result2, ()) = tokio::join!(operation("op1"), operation("op2"), other_work());
    println!(
        "join! beside other work: {result1}, {result2} in {}",
        seconds(start)
    );

    // DON'T: time.sleep / blocking I/O in an async fn. DO: run_in_executor.
    let result = spawn_blocking(blocking_function).await?;
    println!("spawn_blocking: {result}");
    Ok(())
}

// What only feeds the printout: the elapsed times.

fn seconds(start: Instant) -> String {
    format!("{:.1}s", start.elapsed().as_secs_f64())
}
