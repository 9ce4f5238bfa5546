//! Inspecting a running task through its `JoinHandle`: finished or not,
//! its result, and cancellation with `abort`.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Coroutine States and Inspection"
//!
//! asyncio's `Task` has `done()`, `cancelled()` and `cancel()`. Tokio's
//! `JoinHandle` has `is_finished()` and `abort()`; whether a task was
//! cancelled is part of its result, `JoinError::is_cancelled`, since that is
//! the only point at which the answer is final.
//!
//! Awaiting a `JoinHandle` by value consumes it. Awaiting `&mut handle` keeps
//! the handle, so it can still be asked about the task afterwards.

use std::time::Duration;

use tokio::task::JoinError;
use tokio::time::sleep;

async fn long_running_task() -> &'static str {
    for i in 0..5 {
        println!("Step {i}");
        sleep(Duration::from_millis(500)).await;
    }
    "Completed"
}

pub async fn run() -> Result<(), JoinError> {
    let mut task = tokio::spawn(long_running_task());
    println!("Task created");
    println!("Task done: {}", task.is_finished());

    sleep(Duration::from_secs(1)).await;
    println!("After 1s - Task done: {}", task.is_finished());

    let result = (&mut task).await?;
    println!("Final result: {result}");
    println!("Task done: {}", task.is_finished());

    let sleeper = tokio::spawn(sleep(Duration::from_secs(60)));
    sleeper.abort();
    match sleeper.await {
        Err(error) if error.is_cancelled() => println!("Aborted task cancelled: true"),
        Err(error) => return Err(error),
        Ok(()) => println!("Aborted task cancelled: false"),
    }
    Ok(())
}
