//! Inspecting a running task through its `JoinHandle`: finished or not,
//! its result, and cancellation with `abort`.
//!
//! asyncio's `Task` has `done()`, `cancelled()` and `cancel()`. Tokio's
//! `JoinHandle` has `is_finished()` and `abort()`. There is no `cancelled()`
//! to ask a running task (asyncio's answers `False` until the task is done):
//! whether a task was cancelled is part of its result,
//! `JoinError::is_cancelled`. That is also the only place the answer is
//! final, because `abort` only requests the cancellation, and a task that
//! finishes before it takes effect returns its value. So the guide's
//! `Task cancelled: False` line has no counterpart here, and neither has its
//! `Task created: <Task pending ...>`, the task's repr.
//!
//! In the guide each step takes 0.5 s, so the task's third step and the check
//! after one second fall due at the same instant; asyncio runs the check
//! first only because its timer was set a moment earlier on the real clock.
//! Tokio documents no order for timers due at the same instant, and on the
//! paused clock both would be due at exactly 1 s. So each step here takes
//! 0.6 s, and the check falls between steps 1 and 2, where the guide prints it.
//!
//! Awaiting a `JoinHandle` by value consumes it. Awaiting `&mut handle` keeps
//! the handle, so it can still be asked about the task afterwards.
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
