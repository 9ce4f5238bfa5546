//! `asyncio.wait` (ALL_COMPLETED): wait until every task has finished, then
//! look at each result on its own.
//!
//! The guide's snippet crashes with `UnboundLocalError`: the loop
//! `for task in done:` makes `task` a local variable of `main`, so the call
//! `task("Task-1", 2)` above it no longer sees the coroutine function. With
//! the loop variable renamed, it prints the three results in the iteration
//! order of `done`, which is a `set`: unspecified, in principle different
//! from run to run. Here the results come back in the order the tasks were
//! spawned, because their handles are awaited from a `Vec`.
//!
//! `wait` differs from `gather` in that it never raises a task's exception:
//! a failed task is just a done task whose `result()` raises. `join_all` over `JoinHandle`s is
//! the same: each element is a `Result<T, JoinError>` to inspect, and one
//! task's panic does not stop the others from being collected.
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
        // Aborted when dropped: a cancelled `run` leaves no task running
        // (`concurrency/shield` says why a plain `JoinHandle` would).
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
