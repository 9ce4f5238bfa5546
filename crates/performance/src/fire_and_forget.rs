//! Fire and forget on a `TaskTracker`: answer now, await the rest at shutdown.
//!
//! The guide's "fire-and-forget" task is awaited. Really forgetting one is
//! risky: asyncio may collect a task nobody references, and a Tokio program
//! whose `main` returns drops every task still waiting, half done. Spawn
//! through a `TaskTracker`, forget the handles, and at shutdown `close()` and
//! `wait()`; for a hard stop, pair it with a `CancellationToken` (or use a
//! `JoinSet`, which also keeps results).
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Performance Tips" (4, `create_task` for fire-and-forget operations)

use std::time::Duration;

use tokio::time::{Instant, sleep};
use tokio_util::task::TaskTracker;

async fn send_email(start: Instant, to: &'static str, delay: Duration) {
    sleep(delay).await;
    println!(
        "Background: email to {to} sent at {:.1}s",
        start.elapsed().as_secs_f64()
    );
}

async fn quick_operation() -> &'static str {
    sleep(Duration::from_millis(100)).await;
    "quick_result"
}

pub async fn run() {
    let start = Instant::now();
    let tracker = TaskTracker::new();

    // A request handler: start the slow side effects, answer at once.
    for (to, delay) in [("ana", 300), ("ben", 700), ("cy", 500)] {
        tracker.spawn(send_email(start, to, Duration::from_millis(delay)));
    }
    let answer = quick_operation().await;
    println!(
        "Answered {answer} at {:.1}s with {} background tasks still running",
        start.elapsed().as_secs_f64(),
        tracker.len()
    );

    // Shutdown: `wait` returns once the tracker is closed and empty. A
    // `timeout` around it would bound the wait but stop nothing: a tracker
    // can't cancel its tasks, so those still running would be dropped half
    // done when the runtime shuts down.
    tracker.close();
    tracker.wait().await;
    assert!(tracker.is_empty());
    println!(
        "All background work finished at {:.1}s; safe to exit",
        start.elapsed().as_secs_f64()
    );
}
