//! Inspecting a running task through its `JoinHandle`: finished or not, its
//! result, and cancellation with `abort`.
//!
//! asyncio's `done()` and `cancel()` are `is_finished()` and `abort()`. There
//! is no `cancelled()`: `abort` only asks, and a task that finishes first
//! returns its value, so whether it was cancelled is in its result
//! (`JoinError::is_cancelled`). Awaiting `&mut handle` keeps the handle for
//! more questions. A cancelled `run` leaves the task running (the book's page
//! "Cancellation").
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Coroutine States and Inspection"

use std::time::Duration;

use tokio::task::JoinError;
use tokio::time::sleep;

async fn long_running_task() -> &'static str {
    for i in 0..5 {
        println!("Step {i}");
        // 0.6 s where the guide's step takes 0.5: the check at one second
        // falls between two steps rather than on one.
        sleep(Duration::from_millis(600)).await;
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
