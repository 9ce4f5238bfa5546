//! `asyncio.as_completed`: handle each result as soon as it is ready, with
//! `FuturesUnordered` for futures or `JoinSet::join_next` for tasks.
//!
//! `FuturesUnordered` is a collection of futures that is itself a `Stream`:
//! each `next().await` yields whichever future finishes next. Like `join!`,
//! it polls its futures inside the current task, and it only polls the ones
//! that were woken, so it stays cheap with thousands of futures.
//!
//! `JoinSet` does the same for spawned tasks. Both yield in completion order.
//! For results that complete at the same instant neither documents an order,
//! and Tokio documents none for timers due at the same instant, so every job
//! here has its own delay. asyncio's `as_completed` makes no promise for
//! such ties either.
//!
//! Translates:
//! - *Python Async Programming: A Detailed Guide*,
//!   "Using `asyncio.as_completed()`"

use std::time::Duration;

use futures::stream::{FuturesUnordered, StreamExt};
use tokio::task::{JoinError, JoinSet};
use tokio::time::sleep;

async fn fetch_data(id: u32, delay: Duration) -> String {
    sleep(delay).await;
    format!("Data {id} (took {}s)", delay.as_secs())
}

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
    Ok(())
}
