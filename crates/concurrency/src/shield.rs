//! `asyncio.shield` is Tokio's default: a spawned task runs on when its
//! awaiter stops waiting, and `AbortOnDropHandle` ties it to its owner.
//!
//! In asyncio, cancelling the awaiter cancels the task unless it is shielded;
//! a Tokio task belongs to the runtime. The guide's handler cancels the task
//! it shielded and swallows the `CancelledError`, so its caller's `wait_for`
//! returns `None`; here the caller of `cleanup_tasks` sees the timeout.
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
    // The guard's drop only asks for the abort and can't wait for it to
    // finish: the tracker can.
    tracker.close();
    tracker.wait().await;
    // Left alone, the task would have run until 4.0s.
    println!("Its task stopped at {}, aborted by the guard", elapsed());
    Ok(())
}
