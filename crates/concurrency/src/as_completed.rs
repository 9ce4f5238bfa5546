//! `asyncio.as_completed`: handle each result as soon as it is ready, with
//! `FuturesUnordered` for futures or `JoinSet::join_next` for tasks.
//!
//! `FuturesUnordered` is a set of futures that is itself a `Stream`: each
//! `next().await` yields whichever finishes next, polled inside the current
//! task. `JoinSet` does the same for spawned tasks, and tokio-util's
//! `JoinMap` for tasks with keys.
//!
//! Translates:
//! - *Python Async Programming: A Detailed Guide*,
//!   "Using `asyncio.as_completed()`"

use std::time::Duration;

use futures::stream::{FuturesUnordered, StreamExt};
use tokio::task::{JoinError, JoinSet};
use tokio::time::sleep;
use tokio_util::task::JoinMap;

async fn fetch_data(id: u32, delay: Duration) -> String {
    sleep(delay).await;
    format!("Data {id} (took {}s)", delay.as_secs())
}

// Each job has a delay of its own: none of these documents an order for
// results ready at the same instant, nor does asyncio.
const JOBS: [(u32, u64); 3] = [(1, 3), (2, 1), (3, 2)];

pub async fn run() -> Result<(), JoinError> {
    let mut futures: FuturesUnordered<_> = JOBS
        .iter()
        .map(|&(id, seconds)| fetch_data(id, Duration::from_secs(seconds)))
        .collect();
    while let Some(result) = futures.next().await {
        println!("Completed: {result}");
    }

    let mut tasks = JoinSet::new();
    for (id, seconds) in JOBS {
        tasks.spawn(fetch_data(id, Duration::from_secs(seconds)));
    }
    while let Some(result) = tasks.join_next().await {
        println!("Completed task: {}", result?);
    }

    // A `JoinSet` whose tasks have keys: each result comes back with its
    // key, and a task can be aborted by its key.
    let mut by_id = JoinMap::new();
    for (id, seconds) in JOBS {
        by_id.spawn(id, fetch_data(id, Duration::from_secs(seconds)));
    }
    if let Some((id, result)) = by_id.join_next().await {
        println!("Task {id} completed first: {}", result?);
    }
    by_id.abort(&1);
    while let Some((id, result)) = by_id.join_next().await {
        match result {
            Ok(data) => println!("Task {id} completed: {data}"),
            Err(error) if error.is_cancelled() => println!("Task {id} was aborted by its key"),
            Err(error) => return Err(error),
        }
    }
    Ok(())
}
