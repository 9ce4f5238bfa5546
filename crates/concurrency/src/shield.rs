//! `asyncio.shield`: in Tokio a spawned task keeps running when whoever was
//! awaiting it stops waiting; tying it to its owner takes a guard such as
//! `AbortOnDropHandle`.
//!
//! In asyncio, cancelling the awaiter cancels the task unless the await goes
//! through `shield`. In Tokio the shield is the default: a task belongs to the
//! runtime, and a cancelled awaiter only stops waiting. The guide's handler
//! cancels the task it shielded and swallows the `CancelledError`, so its
//! caller's `wait_for` returns `None`. Here the two are apart: first a task
//! that finishes with nobody waiting, then `cleanup_tasks`, whose
//! `AbortOnDropHandle` aborts its task when a timeout drops it, and whose
//! caller sees the timeout. A destructor can't wait for the abort to finish:
//! a `TaskTracker` does.
//!
//! Translates:
//! - *Python Async/Await*, "Proper Task Cleanup"

use std::time::Duration;

use tokio::task::JoinError;
use tokio::time::{Instant, sleep, timeout};
use tokio_util::task::{AbortOnDropHandle, TaskTracker};

async fn long_operation() -> &'static str {
    sleep(Duration::from_secs(2)).await;
    "Done"
}

/// Runs `long_operation` as a task that lives no longer than this future.
/// The task is spawned through `tracker` only so that the caller can see it
/// stop; without it, the body is
/// `AbortOnDropHandle::new(tokio::spawn(long_operation())).await`.
async fn cleanup_tasks(tracker: &TaskTracker) -> Result<&'static str, JoinError> {
    let task = AbortOnDropHandle::new(tracker.spawn(long_operation()));
    task.await
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

    let tracker = TaskTracker::new();
    match timeout(Duration::from_millis(500), cleanup_tasks(&tracker)).await {
        Ok(result) => println!("cleanup_tasks returned {:?}", result?),
        Err(_elapsed) => println!(
            "Operation cancelled: cleanup_tasks timed out at {}",
            elapsed()
        ),
    }
    tracker.close();
    tracker.wait().await;
    // Left alone, the task would have run until 4.0s.
    println!("Its task stopped at {}, aborted by the guard", elapsed());
    Ok(())
}
