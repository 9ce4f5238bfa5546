//! `asyncio.shield`: in Tokio a spawned task keeps running when whoever was
//! awaiting it stops waiting; tying it to its owner takes a guard such as
//! `AbortOnDropHandle`.
//!
//! In asyncio, cancelling a coroutine that is awaiting a task cancels that
//! task too, unless the await goes through `shield`. In Tokio the shield is
//! the default: a task belongs to the runtime, not to whoever holds its
//! `JoinHandle`. When the awaiter is cancelled (dropped, timed out, or the
//! losing branch of a `select!`), only its wait ends; the task runs on, and
//! if the wait only borrowed the handle (`&mut handle`), its result can still
//! be collected through it. A wait that owned the handle drops it, which
//! detaches the task: it still runs, but its result is lost.
//!
//! The guide's handler mixes up two intents. It catches the cancellation and
//! then cancels the shielded task itself, which undoes the shield, and it
//! swallows the `CancelledError`: a caller that cancels `cleanup_tasks` sees
//! it return `None`, and `wait_for` on it returns `None` instead of raising
//! `TimeoutError`. Here the two are kept apart. First the shield: the task
//! finishes although nobody was waiting. Then the cleanup: `cleanup_tasks`
//! holds its task through `tokio_util::task::AbortOnDropHandle` (crate
//! `tokio-util`, feature `rt`), a `JoinHandle` wrapper that aborts the task
//! when it is dropped. The caller's timeout drops `cleanup_tasks` at its
//! `.await`, the guard's destructor aborts the task, and the caller sees its
//! timeout, not a normal return. Rust has no `except CancelledError` to run
//! code on cancellation; destructors are that code, and they run on every
//! way out: return, `?`, panic or cancellation. `JoinSet` gives the same
//! guarantee for many tasks.
//!
//! The destructor only requests the abort: the runtime drops the task's
//! future later, when it gets to the task, and a destructor cannot `.await`
//! to wait for that. Here a `tokio_util::task::TaskTracker` does the
//! waiting: once it is closed, its `wait` returns when every task it spawned
//! has stopped.
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
