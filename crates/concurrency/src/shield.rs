//! `asyncio.shield`: in Tokio a spawned task keeps running when whoever was
//! awaiting it stops waiting, and stopping it takes an explicit `abort`.
//!
//! Translates:
//! - *Python Async/Await*, "Proper Task Cleanup"
//!
//! In asyncio, cancelling a coroutine that is awaiting a task cancels that
//! task too, unless the await goes through `shield`. In Tokio the shield is
//! the default: a task belongs to the runtime, not to whoever holds its
//! `JoinHandle`. When the awaiter is cancelled (dropped, timed out, or the
//! losing branch of a `select!`), only its wait ends; the task runs on, and
//! its result can still be collected later. The opposite, tying a task's
//! life to its owner, is what a `JoinSet` or
//! `tokio_util::task::AbortOnDropHandle` provide.
//!
//! The guide's cleanup handler mixes up the two intents. It catches the
//! cancellation and then cancels the shielded task itself, which undoes the
//! shield, and it swallows the `CancelledError`, so a caller that cancelled
//! `cleanup_tasks` sees it return normally instead of being cancelled. Here
//! the two intents are kept apart: first the shield, where the task finishes
//! although nobody was waiting; then the cleanup, where the task is aborted
//! and awaited, so it is known to have stopped before the function returns.

use std::time::Duration;

use tokio::task::JoinError;
use tokio::time::{Instant, sleep, timeout};

async fn long_operation() -> &'static str {
    sleep(Duration::from_secs(2)).await;
    "Done"
}

pub async fn run() -> Result<(), JoinError> {
    let start = Instant::now();
    let elapsed = || format!("{:.1}s", start.elapsed().as_secs_f64());

    let mut task = tokio::spawn(long_operation());
    // Awaiting `&mut task` lends the handle to `timeout`; when the timeout
    // drops that wait, the handle, and the task, are still ours.
    if timeout(Duration::from_millis(500), &mut task)
        .await
        .is_err()
    {
        println!(
            "Stopped waiting at {}; the task was not cancelled",
            elapsed()
        );
    }
    let result = task.await?;
    println!("The task finished anyway: {result} at {}", elapsed());

    let task = tokio::spawn(long_operation());
    sleep(Duration::from_millis(500)).await;
    println!("Operation cancelled");
    task.abort();
    // Abort only requests cancellation; awaiting the handle confirms it.
    match task.await {
        Err(error) if error.is_cancelled() => println!("Task stopped at {}: cancelled", elapsed()),
        Err(error) => return Err(error),
        Ok(result) => println!("Task finished before the abort: {result}"),
    }
    Ok(())
}
