//! `asyncio.wait` (ALL_COMPLETED): wait until every task has finished, then
//! look at each result on its own.
//!
//! `join_all` over `JoinHandle`s gives every task's `Result<T, JoinError>` in
//! the order spawned, and one task's panic stops no other from being
//! collected, as `wait` never raises a task's exception. The guide's snippet
//! crashes with `UnboundLocalError` (`for task in done:` shadows its `task`
//! function); fixed, it prints in the unspecified order of a `set`.
//!
//! Translates:
//! - *Python Async Programming: A Detailed Guide*, "Using `asyncio.wait()`"

use std::time::Duration;

use futures::future::join_all;
use tokio::time::{Instant, sleep};
use tokio_util::task::AbortOnDropHandle;

async fn task(name: &str, duration: Duration) -> String {
    sleep(duration).await;
    format!("{name} completed")
}

pub async fn run() {
    let start = Instant::now();
    let tasks = vec![
        // Aborted when dropped, so a cancelled `run` stops it too.
        AbortOnDropHandle::new(tokio::spawn(task("Task-1", Duration::from_secs(2)))),
        AbortOnDropHandle::new(tokio::spawn(task("Task-2", Duration::from_secs(1)))),
        AbortOnDropHandle::new(tokio::spawn(task("Task-3", Duration::from_secs(3)))),
    ];

    let done = join_all(tasks).await;

    for result in done {
        match result {
            Ok(message) => println!("{message}"),
            Err(error) => println!("task failed: {error}"),
        }
    }
    println!("All done after {:.1}s", start.elapsed().as_secs_f64());
}
