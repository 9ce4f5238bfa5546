//! Testing a timeout and a retry on the paused clock: `start_paused` stops
//! time until every task waits, and the tests run instantly.
//!
//! To check what has or has not happened by a moment, `sleep_until` it, not
//! `advance(d)` (the book's page "Testing async code" says why, what the
//! paused clock does, and what `start_paused` needs).
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Unit Testing Async Functions" (how to test code that waits)

use std::fmt::Display;
use std::time::Duration;

use tokio::time::{Instant, sleep, timeout};

/// `@async_retry(max_retries, delay)`, with `retry_and_timing`'s contract:
/// calls `operation` up to `max_retries + 1` times, sleeping `delay` after
/// each failure but the last, and returns the first success or the last
/// error.
pub async fn retry<T, E: Display>(
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

/// An operation too slow for the deadlines below.
pub async fn slow_fetch() -> &'static str {
    sleep(Duration::from_secs(5)).await;
    "Done"
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
    let result = retry(2, Duration::from_millis(500), async || service.call().await).await;
    println!(
        "Final result: {result:?} after {:.1}s",
        start.elapsed().as_secs_f64()
    );

    // `asyncio.wait_for(slow_fetch(), timeout=2)`.
    let start = Instant::now();
    match timeout(Duration::from_secs(2), slow_fetch()).await {
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

    use tokio::time::sleep_until;

    use super::*;

    /// The paused clock jumps straight to the deadline.
    #[tokio::test(start_paused = true)]
    async fn timeout_fires_at_the_deadline() {
        let start = Instant::now();
        let result = timeout(Duration::from_secs(2), slow_fetch()).await;
        assert!(
            result.is_err(),
            "a 5 s operation cannot beat a 2 s deadline"
        );
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    }

    /// Step by step: not a millisecond early, nor late.
    #[tokio::test(start_paused = true)]
    async fn timeout_has_not_fired_a_millisecond_before() {
        let start = Instant::now();
        // `timeout` fixes its deadline when it is called, not when the task
        // first runs, so the deadline is `start + 2 s` whenever that is.
        let task = tokio::spawn(timeout(Duration::from_secs(2), slow_fetch()));
        // The clock reaches each moment only once the task has run all that
        // was due before it. (A check right after `advance` would pass even
        // past the deadline: the task it woke may not have run yet.)
        sleep_until(start + Duration::from_millis(1999)).await;
        assert!(!task.is_finished(), "the deadline has not passed yet");
        sleep_until(start + Duration::from_millis(2001)).await;
        assert!(task.is_finished(), "the deadline has passed");
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
        let result = retry(2, Duration::from_millis(500), async || service.call().await).await;
        assert_eq!(result, Ok("Success!"));
        assert_eq!(service.calls, 3);
        assert_eq!(start.elapsed(), Duration::from_millis(3 * 100 + 2 * 500));
    }

    /// One retry means two attempts, and the error of the second comes back.
    #[tokio::test(start_paused = true)]
    async fn retry_gives_up_with_the_last_error() {
        let mut service = Flaky::default();
        let result = retry(1, Duration::from_millis(500), async || service.call().await).await;
        assert_eq!(result, Err("connection refused (call 2)".to_owned()));
        assert_eq!(service.calls, 2);
    }

    /// No retries: one attempt, and no delay.
    #[tokio::test(start_paused = true)]
    async fn zero_retries_is_one_attempt() {
        let start = Instant::now();
        let mut service = Flaky::default();
        let result = retry(0, Duration::from_secs(1), async || service.call().await).await;
        assert!(result.is_err());
        assert_eq!(service.calls, 1);
        assert_eq!(start.elapsed(), Duration::from_millis(100));
    }

    /// Each attempt happens at its moment, and there is no wait after the
    /// last failure: three attempts, two delays, done at 2 s, not 3 s.
    #[tokio::test(start_paused = true)]
    async fn retry_waits_the_delay_between_attempts() {
        let start = Instant::now();
        let attempts = Arc::new(AtomicU32::new(0));
        let counter = Arc::clone(&attempts);
        let task = tokio::spawn(retry(2, Duration::from_secs(1), async move || {
            counter.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>("down")
        }));
        let attempts = move || attempts.load(Ordering::SeqCst);

        // The clock moves only when every task waits, so by the time it
        // reaches each of these moments, everything due before it has run.
        sleep_until(start + Duration::from_millis(500)).await;
        assert_eq!(attempts(), 1, "the first attempt runs at once");
        sleep_until(start + Duration::from_millis(999)).await;
        assert_eq!(attempts(), 1, "no second attempt before the delay is over");
        sleep_until(start + Duration::from_millis(1001)).await;
        assert_eq!(attempts(), 2);

        let result = task.await.expect("the task does not panic");
        assert_eq!(result, Err("down"));
        assert_eq!(attempts(), 3);
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    }
}
