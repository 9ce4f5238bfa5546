//! Cancellation cannot be swallowed in Rust: a cancelled future is dropped
//! at its `.await`, and cleanup that must happen goes in a guard's `Drop`.
//!
//! The guide's `cancellation_bad` catches `CancelledError` with a bare
//! `except` and carries on. Tokio cancels by dropping (`abort`, a `timeout`, a
//! lost `select!`): there is nothing to catch, and cleanup that must happen is
//! a guard created before the `.await`; cleanup that must await needs a
//! `CancellationToken` (see the book's page "Cancellation").
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Avoiding Common Mistakes" (pitfall 3, not handling task cancellation)

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
