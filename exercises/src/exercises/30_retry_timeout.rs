//! Exercise: retry_timeout
//!
//! Write `fetch`: call the service up to four times. Give each call 300 ms
//! (a call that takes longer is cancelled and counts as a failure); after
//! a failed call wait 100 ms, then 200, then 400, doubling, before the next
//! one, but not after the last. Print what happens:
//!
//! ```text
//! 0.3s flaky: attempt 1 timed out
//! 0.7s flaky: attempt 2 timed out
//! 1.1s flaky: answer 42 on attempt 3
//! 1.4s down: attempt 1 timed out
//! 1.8s down: attempt 2 timed out
//! 2.3s down: attempt 3 timed out
//! 3.0s down: attempt 4 timed out
//! 3.0s down: gave up after 4 attempts
//! 3.0s results: Some(42) None
//! ```
//!
//! The examples that show how: `cargo run -p error-handling -- retry_and_timing`,
//! and `timeouts` in the same section.

use std::time::Duration;

use tokio::time::{sleep, timeout};

const ATTEMPTS: usize = 4;
const ATTEMPT_LIMIT: Duration = Duration::from_millis(300);
const FIRST_BACKOFF: Duration = Duration::from_millis(100);

/// One call to the service, which takes `takes_ms` to answer.
async fn service(takes_ms: u64) -> u32 {
    sleep(Duration::from_millis(takes_ms)).await;
    42
}

/// Calls the service up to four times; the n-th call takes `takes_ms[n]`.
async fn fetch(name: &str, takes_ms: [u64; ATTEMPTS]) -> Option<u32> {
    todo!("call `service`, each call limited, with a growing wait between calls")
}

pub async fn run() {
    let flaky = fetch("flaky", [500, 400, 200, 100]).await;
    let down = fetch("down", [900; ATTEMPTS]).await;
    println!("results: {flaky:?} {down:?}");
}
