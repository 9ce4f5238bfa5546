//! Fire-and-forget work with a `TaskTracker`: answer now, let the background
//! tasks finish later, and wait for all of them before shutting down.
//!
//! The guide's "fire-and-forget" task is awaited. Really forgetting a task is
//! risky: asyncio may collect a task nobody references, and when a Tokio
//! program's `main` returns, every task still waiting is dropped half done.
//! Spawn through a `TaskTracker`, forget the handles, and at shutdown
//! `close()` and `wait()`. A `timeout` around `wait()` bounds the wait but
//! stops nothing: a tracker can't cancel its tasks, so those still running
//! are dropped half done when the runtime shuts down. For a hard stop, pair
//! it with a `CancellationToken` that the tasks watch (or spawn into a
//! `JoinSet` and call `shutdown`). A tracker keeps no results; `JoinSet` does.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Performance Tips" (4, `create_task` for
//!   fire-and-forget operations)

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

    // Shutdown: `wait` returns once the tracker is closed and empty.
    tracker.close();
    tracker.wait().await;
    assert!(tracker.is_empty());
    println!(
        "All background work finished at {:.1}s; safe to exit",
        start.elapsed().as_secs_f64()
    );
}
