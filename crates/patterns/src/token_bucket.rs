//! The guide's token-bucket rate limiter, fixed so that concurrent callers
//! are limited too: each caller reserves its token before it sleeps.
//!
//! The bucket holds up to `rate` tokens and refills at `rate` per `per`. The
//! guide's `acquire` checks, then sleeps, then empties the bucket without
//! taking a token, so eight callers that find it empty all go through half a
//! second later: ten calls in 0.5 s from two a second. Here a caller takes
//! its token first, even into debt, then sleeps for the debt, and gives it
//! back if cancelled while it waits. The state sits in a `std` mutex, never
//! held across the sleep.
//!
//! Translates:
//! - *Python Async Programming: A Detailed Guide*, "Rate-Limited API Calls"

use std::num::NonZeroU32;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use futures::future::join_all;
use tokio::time::{Instant, sleep};

struct RateLimiter {
    /// Tokens per `per`, and also the most the bucket holds.
    rate: f64,
    per: Duration,
    bucket: Mutex<Bucket>,
}

struct Bucket {
    /// Tokens available now; negative while callers are queued for tokens
    /// that haven't been refilled yet.
    allowance: f64,
    last_check: Instant,
}

impl RateLimiter {
    /// A rate of zero would make every wait infinite; `NonZeroU32` rules it
    /// out.
    fn new(rate: NonZeroU32, per: Duration) -> Self {
        let rate = f64::from(rate.get());
        Self {
            rate,
            per,
            bucket: Mutex::new(Bucket {
                allowance: rate,
                last_check: Instant::now(),
            }),
        }
    }

    async fn acquire(&self) {
        let wait = {
            let mut bucket = self.bucket.lock().unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            let time_passed = now - bucket.last_check;
            bucket.last_check = now;
            let refill = time_passed.as_secs_f64() * self.rate / self.per.as_secs_f64();
            bucket.allowance = (bucket.allowance + refill).min(self.rate);

            // Take the token now; a negative allowance is the queue of
            // callers ahead of the next refill.
            bucket.allowance -= 1.0;
            let debt = -bucket.allowance;
            let seconds = debt.max(0.0) * self.per.as_secs_f64() / self.rate;
            // `from_secs_f64` panics on more seconds than a `Duration`
            // holds, which a huge `per` gives; wait "for ever" instead.
            Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX)
        };
        if !wait.is_zero() {
            // A caller that gives up while it waits (a timeout around
            // `acquire`) gives its token back; otherwise callers that keep
            // timing out would leave a debt that grows without end, and
            // every later caller would wait for it.
            let waiting = Waiting { limiter: self };
            sleep(wait).await;
            std::mem::forget(waiting);
        }
    }
}

/// A token taken by a caller still waiting for it; dropped with the caller,
/// it goes back in the bucket.
struct Waiting<'a> {
    limiter: &'a RateLimiter,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let mut bucket = self
            .limiter
            .bucket
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        bucket.allowance = (bucket.allowance + 1.0).min(self.limiter.rate);
    }
}

async fn make_api_call(limiter: &RateLimiter, call_id: u32, start: Instant) -> Duration {
    limiter.acquire().await;
    let started = start.elapsed();
    println!("[{:.1}s] Making API call {call_id}", started.as_secs_f64());
    sleep(Duration::from_millis(500)).await;
    started
}

/// Allow 2 requests per second. (Checked at compile time: a constant.)
const RATE: NonZeroU32 = NonZeroU32::new(2).expect("a rate above zero");

pub async fn run() {
    let limiter = RateLimiter::new(RATE, Duration::from_secs(1));
    let start = Instant::now();

    let started = join_all((0..10).map(|i| make_api_call(&limiter, i, start))).await;
    println!(
        "Completed {} calls in {:.1}s",
        started.len(),
        start.elapsed().as_secs_f64()
    );

    // By time t, at most `burst + rate * t` calls may have started.
    let mut sorted = started;
    sorted.sort();
    for (index, at) in sorted.iter().enumerate() {
        let allowed = limiter.rate + limiter.rate * at.as_secs_f64() / limiter.per.as_secs_f64();
        assert!(
            (index + 1) as f64 <= allowed + 1e-6,
            "call {index} started at {at:?}: over the limit"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_period_of_any_length_makes_callers_wait_without_panicking() {
        let limiter = RateLimiter::new(NonZeroU32::MIN, Duration::MAX);
        limiter.acquire().await;
        let second = tokio::time::timeout(Duration::from_secs(3600), limiter.acquire()).await;
        assert!(second.is_err(), "a second token within the period");
    }

    #[tokio::test(start_paused = true)]
    async fn callers_that_give_up_leave_no_debt() {
        let limiter = RateLimiter::new(NonZeroU32::MIN, Duration::from_secs(1));
        limiter.acquire().await;
        for _ in 0..10 {
            let gave_up = tokio::time::timeout(Duration::from_millis(10), limiter.acquire()).await;
            assert!(gave_up.is_err());
        }
        let start = Instant::now();
        limiter.acquire().await;
        assert!(
            start.elapsed() <= Duration::from_secs(1),
            "waited {:?}",
            start.elapsed()
        );
    }
}
