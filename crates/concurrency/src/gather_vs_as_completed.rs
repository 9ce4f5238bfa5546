//! `gather` hands back every result at the end, in the order asked;
//! `as_completed` hands each one over as soon as it is ready.
//!
//! `join_all` and `FuturesUnordered` poll their futures inside the current
//! task, so the workers can share one random generator through a `RefCell`,
//! never borrowed across an `.await`. Spawned tasks would need an
//! `Arc<Mutex<_>>` instead.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Gather vs As_completed"

use std::cell::RefCell;
use std::time::Duration;

use futures::future::join_all;
use futures::stream::{FuturesUnordered, StreamExt};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use tokio::time::sleep;

/// The generator is seeded, so that every run prints the same numbers.
const SEED: u64 = 42;

async fn worker(name: &str, delay: Duration, rng: &RefCell<ChaCha8Rng>) -> u32 {
    sleep(delay).await;
    let result = rng.borrow_mut().random_range(1..=100);
    println!("Worker {name} completed with result {result}");
    result
}

async fn gather_pattern(rng: &RefCell<ChaCha8Rng>) {
    // The guide's heading: `join_all` is the `asyncio.gather` here.
    println!("Using asyncio.gather:");
    let workers = [
        ("A", Duration::from_millis(1000)),
        ("B", Duration::from_millis(2000)),
        ("C", Duration::from_millis(500)),
    ];
    let results = join_all(workers.map(|(name, delay)| worker(name, delay, rng))).await;
    println!("All results: {results:?}");
}

async fn as_completed_pattern(rng: &RefCell<ChaCha8Rng>) {
    // `FuturesUnordered` is the `asyncio.as_completed`.
    println!("\nUsing asyncio.as_completed:");
    let workers = [
        ("X", Duration::from_millis(1000)),
        ("Y", Duration::from_millis(2000)),
        ("Z", Duration::from_millis(500)),
    ];
    let mut pending: FuturesUnordered<_> = workers
        .into_iter()
        .map(|(name, delay)| worker(name, delay, rng))
        .collect();
    while let Some(result) = pending.next().await {
        println!("Got result: {result}");
    }
}

pub async fn run() {
    let rng = RefCell::new(ChaCha8Rng::seed_from_u64(SEED));
    gather_pattern(&rng).await;
    as_completed_pattern(&rng).await;
}
