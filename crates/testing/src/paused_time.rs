//! Testing a timeout and a retry on the paused clock: `start_paused` stops
//! time, `tokio::time::advance` moves it, and the tests run instantly.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Unit Testing Async Functions" (how to test
//!   code that waits)
//!
//! Code that waits, a timeout or a retry with a delay between attempts, is
//! slow to test on a real clock and flaky too: a loaded machine shifts every
//! deadline. Python needs a library to fake the clock. Tokio's test clock is
//! built in (the `test-util` feature): under `#[tokio::test(start_paused =
//! true)]`, time stands still until every task is waiting, then jumps to the
//! next timer. A 2 s timeout fires at exactly 2 s of virtual time, at once.
//!
//! `tokio::time::advance(d)` moves the clock by hand, which lets a test stop
//! just before a deadline and check that nothing has happened yet. Advancing
//! and then yielding gives the woken tasks their turn, so the test can look
//! at a spawned task's state between two steps.
//!
//! `retry` is the guide's `async_retry` decorator as a function: Rust has no
//! decorators, and an async closure (`AsyncFnMut`), called once per attempt,
//! is all a retry needs. The `backon` crate does this with backoff policies.

use std::fmt::Display;
use std::time::Duration;

use tokio::time::{Instant, error::Elapsed, sleep, timeout};

/// Calls `operation` up to `attempts` times, sleeping `delay` after each
/// failure but the last, and returns the first success or the last error.
pub async fn retry<T, E: Display>(
    attempts: u32,
    delay: Duration,
    mut operation: impl AsyncFnMut() -> Result<T, E>,
) -> Result<T, E> {
    let mut attempt = 1;
    loop {
        match operation().await {
            Ok(value) => return Ok(value),
            Err(error) if attempt < attempts => {
                println!(
                    "Attempt {attempt} failed: {error}. Retrying in {:.1}s...",
                    delay.as_secs_f64()
                );
                sleep(delay).await;
                attempt += 1;
            }
            Err(error) => {
                println!("All {attempts} attempts failed");
                return Err(error);
            }
        }
    }
}

/// A slow operation under a deadline: `asyncio.wait_for(op, timeout)`.
pub async fn fetch_with_deadline(limit: Duration) -> Result<&'static str, Elapsed> {
    timeout(limit, async {
        sleep(Duration::from_secs(5)).await;
        "Done"
    })
    .await
}

/// Fails until its third call: a service that is down, then back.
#[derive(Default)]
pub struct Flaky {
    calls: u32,
}

impl Flaky {
    pub async fn call(&mut self) -> Result<&'static str, String> {
        self.calls += 1;
        sleep(Duration::from_millis(100)).await;
        if self.calls < 3 {
            Err(format!("connection refused (call {})", self.calls))
        } else {
            Ok("Success!")
        }
    }
}

pub async fn run() {
    let start = Instant::now();
    let mut service = Flaky::default();
    let result = retry(3, Duration::from_millis(500), async || service.call().await).await;
    println!(
        "Final result: {result:?} after {:.1}s",
        start.elapsed().as_secs_f64()
    );

    let start = Instant::now();
    match fetch_with_deadline(Duration::from_secs(2)).await {
        Ok(result) => println!("{result}"),
        Err(_) => println!(
            "Operation timed out after {:.1}s",
            start.elapsed().as_secs_f64()
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    use tokio::task::yield_now;
    use tokio::time::advance;

    use super::*;

    /// The paused clock jumps straight to the deadline.
    #[tokio::test(start_paused = true)]
    async fn timeout_fires_at_the_deadline() {
        let start = Instant::now();
        let result = fetch_with_deadline(Duration::from_secs(2)).await;
        assert!(
            result.is_err(),
            "a 5 s operation cannot beat a 2 s deadline"
        );
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    }

    /// Step by step: not a millisecond early.
    #[tokio::test(start_paused = true)]
    async fn timeout_has_not_fired_a_millisecond_before() {
        let task = tokio::spawn(fetch_with_deadline(Duration::from_secs(2)));
        // Let the task start, so its deadline counts from now.
        yield_now().await;
        advance(Duration::from_millis(1999)).await;
        yield_now().await;
        assert!(!task.is_finished(), "the deadline has not passed yet");
        advance(Duration::from_millis(1)).await;
        let result = task.await.expect("the task does not panic");
        assert!(result.is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn a_fast_operation_beats_the_deadline() {
        let result = timeout(Duration::from_secs(2), async { 7 }).await;
        assert_eq!(result, Ok(7));
    }

    /// Two failures, two delays, then success: 3 calls of 0.1 s and two
    /// waits of 0.5 s, exactly.
    #[tokio::test(start_paused = true)]
    async fn retry_succeeds_on_the_third_attempt() {
        let start = Instant::now();
        let mut service = Flaky::default();
        let result = retry(3, Duration::from_millis(500), async || service.call().await).await;
        assert_eq!(result, Ok("Success!"));
        assert_eq!(service.calls, 3);
        assert_eq!(start.elapsed(), Duration::from_millis(3 * 100 + 2 * 500));
    }

    #[tokio::test(start_paused = true)]
    async fn retry_gives_up_with_the_last_error() {
        let mut service = Flaky::default();
        let result = retry(2, Duration::from_millis(500), async || service.call().await).await;
        assert_eq!(result, Err("connection refused (call 2)".to_owned()));
        assert_eq!(service.calls, 2);
    }

    /// With `advance`, the test sees each attempt happen at its moment.
    #[tokio::test(start_paused = true)]
    async fn retry_waits_the_delay_between_attempts() {
        let attempts = Arc::new(AtomicU32::new(0));
        let counter = Arc::clone(&attempts);
        let task = tokio::spawn(retry(3, Duration::from_secs(1), async move || {
            counter.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>("down")
        }));
        let attempts = move || attempts.load(Ordering::SeqCst);

        yield_now().await;
        assert_eq!(attempts(), 1, "the first attempt runs at once");
        advance(Duration::from_millis(999)).await;
        yield_now().await;
        assert_eq!(attempts(), 1, "no second attempt before the delay is over");
        advance(Duration::from_millis(1)).await;
        yield_now().await;
        assert_eq!(attempts(), 2);
        advance(Duration::from_secs(1)).await;
        let result = task.await.expect("the task does not panic");
        assert_eq!(result, Err("down"));
        assert_eq!(attempts(), 3);
    }
}
