//! Fire-and-forget work with a `TaskTracker`: answer now, let the background
//! tasks finish later, and wait for all of them before shutting down.
//!
//! The guide's `background_processing` starts a task, does quick work, then
//! awaits the task: concurrency, but not fire-and-forget. Truly forgetting a
//! task is risky in both languages, for different reasons. asyncio keeps
//! only a weak reference to a task, so one nobody holds can be garbage
//! collected mid-run (the asyncio docs tell you to keep a reference).
//! Tokio's runtime owns every spawned task, so dropping the `JoinHandle` is
//! safe; but when `main` returns, the runtime is dropped, and every task
//! still waiting is dropped at the `.await` where it waits: nothing after it
//! runs, its work is left half done, and only its locals' `Drop` cleans up.
//! (Blocking jobs are the other way round: the drop waits for every
//! `spawn_blocking` job that has started; see `runtime/tokio_main_expanded`.)
//!
//! `tokio_util::task::TaskTracker` fixes the second half: spawn through it,
//! forget the handles, and at shutdown `close()` it and `wait()` until every
//! tracked task has finished. Closing does not stop new spawns; it only lets
//! `wait` return once the tracker is empty. A tracker forgets each task as
//! it exits and keeps no results, so one that sees millions of short tasks
//! stays small; `JoinSet` is the choice when the results matter. To bound
//! the wait at shutdown, put it in a `tokio::time::timeout`.
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
