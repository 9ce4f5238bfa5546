//! Cancellation cannot be swallowed in Rust: a cancelled future is dropped
//! at its `.await`, and cleanup that must happen goes in a guard's `Drop`.
//!
//! asyncio cancels a task by raising `CancelledError` at its `await`; a bare
//! `except: pass` catches it, and the task carries on as if nothing had
//! happened, which is the guide's `cancellation_bad`. The fix is to re-raise.
//!
//! Tokio cancels by dropping: `JoinHandle::abort`, a `timeout` that expires,
//! the losing branch of a `select!`. The future is simply never polled again,
//! and its locals are dropped. There is no exception to catch, so there is
//! nothing to swallow; the other side of that is that code after an `.await`
//! may never run. Cleanup that must happen on every path, finished or
//! cancelled, belongs in a value whose `Drop` does it: a guard, created
//! before the `.await`.
//!
//! `Drop` cannot `.await`. When the cleanup itself is async (say a goodbye
//! message to a server), cancel cooperatively instead: a
//! `tokio_util::sync::CancellationToken` tells the task to stop, and the
//! task finishes its own async cleanup and returns.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Avoiding Common Mistakes" (pitfall 3,
//!   not handling task cancellation)

use std::time::Duration;

use tokio::task::JoinError;
use tokio::time::{sleep, timeout};
use tokio_util::sync::CancellationToken;

/// Prints when dropped: the cleanup that runs however the task ends.
struct CleanupGuard(&'static str);

impl Drop for CleanupGuard {
    fn drop(&mut self) {
        println!("{}: cleanup ran", self.0);
    }
}

async fn long_job(name: &'static str) -> &'static str {
    let _guard = CleanupGuard(name);
    sleep(Duration::from_secs(10)).await;
    println!("{name}: finished (never printed: the job is cancelled first)");
    "done"
}

/// Stops when told, then does async cleanup before returning.
async fn cooperative_job(cancel: CancellationToken) -> &'static str {
    tokio::select! {
        () = sleep(Duration::from_secs(10)) => "finished",
        () = cancel.cancelled() => {
            println!("cooperative: was cancelled, saying goodbye");
            sleep(Duration::from_millis(100)).await;
            "stopped cleanly"
        }
    }
}

pub async fn run() -> Result<(), JoinError> {
    // task.cancel()
    let task = tokio::spawn(long_job("aborted task"));
    sleep(Duration::from_secs(1)).await;
    task.abort();
    match task.await {
        Err(error) if error.is_cancelled() => println!("aborted task: cancelled"),
        other => println!("aborted task: {other:?}"),
    }

    // asyncio.wait_for(job, timeout=1)
    match timeout(Duration::from_secs(1), long_job("timed-out future")).await {
        Ok(result) => println!("timed-out future: {result}"),
        Err(_) => println!("timed-out future: timed out"),
    }

    let cancel = CancellationToken::new();
    let task = tokio::spawn(cooperative_job(cancel.clone()));
    sleep(Duration::from_secs(1)).await;
    cancel.cancel();
    println!("cooperative: {}", task.await?);
    Ok(())
}
