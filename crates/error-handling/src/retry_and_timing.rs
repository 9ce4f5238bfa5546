//! The guide's retry and timing decorators as async functions, then `backon`.
//!
//! A decorator becomes a function that takes the operation: `retry` takes an
//! async closure (`AsyncFnMut`), since each attempt needs a fresh future, and
//! `timed` a future. In a real program use [`backon`](https://docs.rs/backon)
//! (backoff, jitter, which errors to retry).
//!
//! Needs: `backon/tokio-sleep`
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Async Decorators"

use std::cell::RefCell;
use std::fmt::Display;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use tokio::time::{Instant, sleep};

/// `@async_retry(max_retries, delay)`: calls `operation` up to
/// `max_retries + 1` times, sleeping `delay` after each failure but the last,
/// and returns the first success or the last error.
async fn retry<T, E: Display>(
    max_retries: u32,
    delay: Duration,
    mut operation: impl AsyncFnMut() -> Result<T, E>,
) -> Result<T, E> {
    let mut retries = 0;
    loop {
        match operation().await {
            Ok(value) => return Ok(value),
            Err(error) if retries < max_retries => {
                retries += 1;
                let seconds = delay.as_secs_f64();
                println!("Attempt {retries} failed: {error}. Retrying in {seconds:.1}s...");
                sleep(delay).await;
            }
            Err(error) => {
                println!("All {} attempts failed", u64::from(retries) + 1);
                return Err(error);
            }
        }
    }
}

/// `@async_timing`: how long a future took, printed whatever it returned.
async fn timed<F: Future>(name: &str, future: F) -> F::Output {
    let start = Instant::now();
    let output = future.await;
    println!("{name} took {:.2}s", start.elapsed().as_secs_f64());
    output
}

pub async fn run() {
    println!("Hand-rolled retry, seed {SEED}:");
    let rng = RefCell::new(ChaCha8Rng::seed_from_u64(SEED));
    for _call in 0..2 {
        let delay = Duration::from_millis(500);
        let outcome = retry(2, delay, async || {
            timed("unreliable_operation", unreliable_operation(&rng)).await
        })
        .await;
        print_outcome(outcome);
    }

    println!("\nbackon, seed {SEED}:");
    let rng = RefCell::new(ChaCha8Rng::seed_from_u64(SEED));
    // Exponential backoff without jitter: 0.5 s, then 1 s; two retries.
    let policy = ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(500))
        .with_factor(2.0)
        .with_max_times(2);
    for _call in 0..2 {
        let outcome = (|| unreliable_operation(&rng))
            .retry(policy)
            .notify(|error, delay| {
                println!(
                    "Failed: {error}. Retrying in {:.1}s...",
                    delay.as_secs_f64()
                );
            })
            .await;
        print_outcome(outcome);
    }
}

// The demonstration's operation, which fails 70% of the time, from a
// seeded generator (the guide's uses `random`, which it never imports).

const SEED: u64 = 19;

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct ConnectionError(&'static str);

async fn unreliable_operation(rng: &RefCell<ChaCha8Rng>) -> Result<&'static str, ConnectionError> {
    let fails = rng.borrow_mut().random::<f64>() < 0.7;
    if fails {
        return Err(ConnectionError("Random failure"));
    }
    Ok("Success!")
}

fn print_outcome(outcome: Result<&str, ConnectionError>) {
    match outcome {
        Ok(result) => println!("Final result: {result}"),
        Err(error) => println!("Operation ultimately failed: {error}"),
    }
}
