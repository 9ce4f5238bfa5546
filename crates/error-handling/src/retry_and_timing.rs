//! The guide's retry and timing decorators as generic async functions, and
//! then the same retry policy with `backon`.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Async Decorators"
//!
//! A Python decorator wraps a coroutine function in another. Rust's nearest
//! equivalent is a generic function that takes the operation as an async
//! closure (`AsyncFnMut`, stable since Rust 1.85) or takes a future (`timed`
//! below), and the call site says what it wraps: `retry(2, delay, async ||
//! timed(..).await)` reads in the same order as the guide's stacked
//! `@async_retry` / `@async_timing`. Note that the retry needs a closure, not
//! a future: a future runs once, and each attempt needs a fresh one.
//!
//! `unreliable_operation` fails 70% of the time, as in the guide, but its coin
//! is a ChaCha8 generator seeded with `SEED` (19): the first call fails twice
//! and then succeeds, the second fails three times and gives up.
//!
//! The hand-rolled retry is fine for learning. In a real program use
//! [`backon`](https://docs.rs/backon): constant, exponential or Fibonacci
//! backoff with optional jitter and a maximum delay, a predicate for which
//! errors are worth retrying, and a hook to log each retry. (`backoff`, the
//! older crate, is unmaintained.) It sleeps with `tokio::time::sleep`, so it
//! follows Tokio's paused clock in tests.

use std::cell::RefCell;
use std::fmt::Display;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use tokio::time::{Instant, sleep};

const SEED: u64 = 19;

/// `@async_retry(max_retries, delay)`: at most `max_retries + 1` attempts.
async fn retry<T, E: Display>(
    max_retries: u32,
    delay: Duration,
    mut operation: impl AsyncFnMut() -> Result<T, E>,
) -> Result<T, E> {
    let mut attempt = 1;
    loop {
        match operation().await {
            Ok(value) => return Ok(value),
            Err(error) if attempt <= max_retries => {
                let seconds = delay.as_secs_f64();
                println!("Attempt {attempt} failed: {error}. Retrying in {seconds:.1}s...");
                sleep(delay).await;
                attempt += 1;
            }
            Err(error) => {
                println!("All {attempt} attempts failed");
                return Err(error);
            }
        }
    }
}

/// `@async_timing`: how long a future took, printed whatever it returned.
async fn timed<F: Future>(name: &str, future: F) -> F::Output {
    let start = Instant::now();
    let output = future.await;
    println!("{name} took {:.1}s", start.elapsed().as_secs_f64());
    output
}

#[derive(Debug)]
struct ConnectionError(&'static str);

impl Display for ConnectionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for ConnectionError {}

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
    // Exponential backoff without jitter: 0.5 s, then 1 s.
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
