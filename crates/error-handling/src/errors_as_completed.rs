//! Handling each task's error on its own: every result in the order spawned
//! with a `JoinQueue` (`return_exceptions=True`), or each as it completes
//! with a `JoinSet`.
//!
//! A task's handle yields `Result<T, JoinError>`, and here `T` is itself a
//! `Result`: the outer layer says whether the task ran to the end (no panic,
//! no abort), the inner one whether the operation succeeded. Python folds
//! both into "the task raised". The three `individual` tasks take 0.5 s and
//! 0.1 s more each, where the guide's all take 0.5 s: tasks that end at one
//! instant complete in no promised order.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Exception Handling in Async Code"

use std::time::Duration;

use anyhow::Context;
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use tokio::task::JoinSet;
use tokio::time::sleep;
use tokio_util::task::JoinQueue;

/// Seeds the coin flips: every run flips the same coins.
const SEED: u64 = 36;

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct ValueError(String);

async fn risky_operation(
    name: String,
    duration: Duration,
    fails: bool,
) -> Result<String, ValueError> {
    sleep(duration).await;
    if fails {
        return Err(ValueError(format!("Error in {name}")));
    }
    Ok(format!("Success: {name}"))
}

pub async fn run() -> anyhow::Result<()> {
    let half_a_second = Duration::from_millis(500);
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let mut coin_flip = move || rng.random::<f64>() < 0.5;

    match risky_operation("basic".into(), half_a_second, coin_flip()).await {
        Ok(result) => println!("{result}"),
        Err(error) => println!("Caught error: {error}"),
    }

    // `gather`: each result in the order spawned, which a `JoinQueue` keeps.
    let mut tasks = JoinQueue::new();
    for i in 0..5 {
        tasks.spawn(risky_operation(
            format!("task_{i}"),
            half_a_second,
            coin_flip(),
        ));
    }
    let mut gathered = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        gathered.push(joined);
    }
    for (i, joined) in gathered.into_iter().enumerate() {
        match joined.with_context(|| format!("task_{i} did not finish"))? {
            Ok(result) => println!("Task {i} succeeded: {result}"),
            Err(error) => println!("Task {i} failed: {error}"),
        }
    }

    let mut tasks = JoinSet::new();
    for i in 0..3 {
        let duration = half_a_second + Duration::from_millis(100) * i;
        tasks.spawn(risky_operation(
            format!("individual_{i}"),
            duration,
            coin_flip(),
        ));
    }
    while let Some(joined) = tasks.join_next().await {
        match joined.context("an individual task did not finish")? {
            Ok(result) => println!("Success: {result}"),
            Err(error) => println!("Failed: {error}"),
        }
    }
    Ok(())
}
