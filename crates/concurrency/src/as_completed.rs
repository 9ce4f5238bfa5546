//! `asyncio.as_completed`: handle each result as soon as it is ready, with
//! `FuturesUnordered` for futures or `JoinSet::join_next` for tasks.
//!
//! `FuturesUnordered` is a set of futures that is itself a `Stream`: each
//! `next().await` yields whichever finishes next, polled inside the current
//! task. `JoinSet` does the same for spawned tasks. Neither documents an order
//! for results ready at the same instant (nor does asyncio), so each job here
//! has its own delay.
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
