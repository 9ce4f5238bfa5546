//! `asyncio.wait` (ALL_COMPLETED): wait until every task has finished, then
//! look at each result on its own.
//!
//! A `JoinQueue` gives every task's `Result<T, JoinError>` in the order
//! spawned, so a failure is seen only after every task spawned before it has
//! finished (a `JoinSet` gives each as it ends). One task's panic stops no
//! other from being collected, as `wait` never raises a task's exception.
//! The guide's snippet crashes with `UnboundLocalError` (`for task in done:`
//! shadows its `task` function); fixed, it prints in the unspecified order
//! of a `set`.
//!
//! Translates:
//! - *Python Async Programming: A Detailed Guide*, "Using `asyncio.wait()`"

use std::time::Duration;

use tokio::time::{Instant, sleep};
use tokio_util::task::JoinQueue;

async fn task(name: &str, duration: Duration) -> String {
    sleep(duration).await;
    format!("{name} completed")
}

pub async fn run() {
    let start = Instant::now();
    // Dropping the queue aborts the tasks still in it, as a cancelled `run`
    // does.
    let mut tasks = JoinQueue::new();
    tasks.spawn(task("Task-1", Duration::from_secs(2)));
    tasks.spawn(task("Task-2", Duration::from_secs(1)));
    tasks.spawn(task("Task-3", Duration::from_secs(3)));

    let mut done = Vec::new();
    while let Some(result) = tasks.join_next().await {
        done.push(result);
    }

    for result in done {
        match result {
            Ok(message) => println!("{message}"),
            Err(error) => println!("task failed: {error}"),
        }
    }
    println!("All done after {:.1}s", start.elapsed().as_secs_f64());
}
