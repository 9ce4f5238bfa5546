//! The guide's sliding-window rate limiter, without its deadlock: at most
//! three calls in any two seconds.
//!
//! A call may start when fewer than `max_calls` recent calls are within
//! `time_window` (the guide calls it a token bucket; it is a sliding window).
//! The guide's `acquire` retries by calling itself while holding its
//! `asyncio.Lock`, which is not reentrant: the fourth call waits for a lock it
//! holds, for ever. Here a loop keeps the guard; Tokio's mutex, fair and held
//! across the `sleep`, queues the other callers.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Rate Limiting" (`AsyncRateLimiter`)

use std::collections::VecDeque;
use std::num::NonZeroUsize;
use std::time::Duration;

use futures::future::join_all;
use tokio::sync::Mutex;
use tokio::time::{Instant, sleep};

struct AsyncRateLimiter {
    /// Not zero: with no room at all, `acquire` would have no oldest call to
    /// wait for, and would spin forever without yielding.
    max_calls: NonZeroUsize,
    time_window: Duration,
    /// Start times of the calls within the last `time_window`, oldest first.
    calls: Mutex<VecDeque<Instant>>,
}

impl AsyncRateLimiter {
    fn new(max_calls: NonZeroUsize, time_window: Duration) -> Self {
        Self {
            max_calls,
            time_window,
            calls: Mutex::new(VecDeque::new()),
        }
    }

    /// Waits for room in the window, and returns the start time it recorded.
    async fn acquire(&self) -> Instant {
        let mut calls = self.calls.lock().await;
        loop {
            let now = Instant::now();
            while calls
                .front()
                .is_some_and(|&oldest| now - oldest >= self.time_window)
            {
                calls.pop_front();
            }
            if calls.len() < self.max_calls.get() {
                calls.push_back(now);
                return now;
            }
            // Full: wait until the oldest call leaves the window, still
            // holding the lock, then look again. The guide recurses here.
            // A sleep for what is left, not `sleep_until(oldest + window)`:
            // adding a huge window to an `Instant` overflows, and panics.
            if let Some(&oldest) = calls.front() {
                sleep(self.time_window.saturating_sub(now - oldest)).await;
            }
        }
    }
}

async fn api_call(limiter: &AsyncRateLimiter, name: String, start: Instant) -> (String, Duration) {
    let started = limiter.acquire().await - start;
    println!("[{:.1}s] Making API call {name}", started.as_secs_f64());
    sleep(Duration::from_millis(100)).await;
    (format!("Result from {name}"), started)
}

/// Allow 3 calls per 2 seconds. (Checked at compile time: a constant.)
const MAX_CALLS: NonZeroUsize = NonZeroUsize::new(3).expect("room for at least one call");

pub async fn run() {
    let limiter = AsyncRateLimiter::new(MAX_CALLS, Duration::from_secs(2));
    let start = Instant::now();

    let results = join_all((0..6).map(|i| api_call(&limiter, format!("call-{i}"), start))).await;
    for (result, _) in &results {
        println!("{result}");
    }

    // Any `max_calls + 1` consecutive starts span at least one window.
    let mut started: Vec<Duration> = results.iter().map(|(_, at)| *at).collect();
    started.sort();
    let max_calls = limiter.max_calls.get();
    for pair in started.windows(max_calls + 1) {
        assert!(pair[max_calls] - pair[0] >= limiter.time_window);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_full_window_of_any_length_waits_without_panicking() {
        let limiter = AsyncRateLimiter::new(NonZeroUsize::MIN, Duration::MAX);
        limiter.acquire().await;
        let second = tokio::time::timeout(Duration::from_secs(3600), limiter.acquire()).await;
        assert!(second.is_err(), "a second call started within the window");
    }
}
