//! Handling each task's error on its own: every result with `join_all`
//! (`return_exceptions=True`), or each as it completes with `JoinSet`.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Exception Handling in Async Code"
//!
//! Whether an operation fails is random in the guide (`random.random() <
//! 0.5`). Here each outcome is drawn when its task is created, from a ChaCha8
//! generator seeded with `SEED` (36), so the same tasks fail on every run.
//!
//! A spawned task's handle yields `Result<T, JoinError>`, and here `T` is
//! itself a `Result`: the outer layer says whether the task ran to the end
//! (it could have panicked or been aborted), the inner one whether the
//! operation succeeded. Python folds both into "the task raised"; Rust keeps
//! a bug (a panic) apart from an expected failure (an `Err`).

use std::error::Error;
use std::fmt;
use std::time::Duration;

use futures::future::join_all;
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use tokio::task::JoinSet;
use tokio::time::sleep;

const SEED: u64 = 36;

#[derive(Debug)]
struct ValueError(String);

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Error for ValueError {}

async fn risky_operation(name: String, fails: bool) -> Result<String, ValueError> {
    sleep(Duration::from_millis(500)).await;
    if fails {
        return Err(ValueError(format!("Error in {name}")));
    }
    Ok(format!("Success: {name}"))
}

pub async fn run() -> Result<(), Box<dyn Error>> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let mut coin_flip = move || rng.random::<f64>() < 0.5;

    match risky_operation("basic".into(), coin_flip()).await {
        Ok(result) => println!("{result}"),
        Err(error) => println!("Caught error: {error}"),
    }

    let tasks: Vec<_> = (0..5)
        .map(|i| tokio::spawn(risky_operation(format!("task_{i}"), coin_flip())))
        .collect();
    for (i, joined) in join_all(tasks).await.into_iter().enumerate() {
        match joined? {
            Ok(result) => println!("Task {i} succeeded: {result}"),
            Err(error) => println!("Task {i} failed: {error}"),
        }
    }

    let mut tasks = JoinSet::new();
    for i in 0..3 {
        tasks.spawn(risky_operation(format!("individual_{i}"), coin_flip()));
    }
    while let Some(joined) = tasks.join_next().await {
        match joined? {
            Ok(result) => println!("Success: {result}"),
            Err(error) => println!("Failed: {error}"),
        }
    }
    Ok(())
}
