//! A rate limiter built on a semaphore: each call takes a permit and gives
//! it back one period after it started, so at most N calls start per period.
//!
//! A semaphore alone limits concurrency, not rate: three permits let ten short
//! calls through in 0.4 s. Here a call `forget`s its permit, and the
//! limiter's one task (owned by the limiter) adds it back a period after the
//! call started: a sliding window kept by the semaphore, which is fair.
//! `calls` is a `NonZeroUsize`: no permits would mean waiting for ever.
//!
//! Translates:
//! - *Python Async/Await*, "Exercises" (exercise 3: "Build an async rate
//!   limiter using semaphores")

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use tokio::sync::{AcquireError, Semaphore, mpsc};
use tokio::time::{Instant, sleep};
use tokio_util::task::AbortOnDropHandle;

/// At most `calls` calls may start in any `period`.
struct RateLimiter {
    permits: Arc<Semaphore>,
    /// When each permit taken was taken, in order; it is due back one
    /// period later.
    releases: mpsc::UnboundedSender<Instant>,
    _releaser: AbortOnDropHandle<()>,
}

impl RateLimiter {
    /// Starts the limiter's background task, so it must be called inside a
    /// Tokio runtime.
    fn new(calls: NonZeroUsize, period: Duration) -> Self {
        // A Tokio semaphore holds at most `MAX_PERMITS` (2^61 - 1 on 64
        // bits) and panics past it; so many calls a period is no limit.
        let permits = Arc::new(Semaphore::new(calls.get().min(Semaphore::MAX_PERMITS)));
        let (releases, mut due) = mpsc::unbounded_channel::<Instant>();
        let releaser = tokio::spawn({
            let permits = Arc::clone(&permits);
            async move {
                while let Some(started) = due.recv().await {
                    sleep(period.saturating_sub(started.elapsed())).await;
                    permits.add_permits(1);
                }
            }
        });
        Self {
            permits,
            releases,
            _releaser: AbortOnDropHandle::new(releaser),
        }
    }

    /// Waits for a free slot in the window, and returns the time the call
    /// may start. Fails only if the semaphore is closed.
    async fn acquire(&self) -> Result<Instant, AcquireError> {
        // Given back by the releaser, not when this guard drops.
        self.permits.acquire().await?.forget();
        let started = Instant::now();
        // Fails only once the releaser is gone, which happens only when the
        // limiter itself is dropped.
        let _ = self.releases.send(started);
        Ok(started)
    }
}

/// Checked when the program compiles: a zero would not build.
const CALLS_PER_SECOND: NonZeroUsize = NonZeroUsize::new(3).expect("a rate above zero");

pub async fn run() -> Result<(), AcquireError> {
    let concurrency = Semaphore::new(3);
    let start = Instant::now();
    let calls = (0..10).map(async |_| {
        let _permit = concurrency.acquire().await?;
        Ok::<_, AcquireError>(call_api(Instant::now(), start).await)
    });
    let started = join_all(calls)
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    println!("Semaphore(3) alone, ten 0.1s calls started at:");
    println!("  {}", format_times(&started));
    println!(
        "  {:.1}s in all: a limit on concurrency, not on rate",
        start.elapsed().as_secs_f64()
    );

    println!();
    let limiter = RateLimiter::new(CALLS_PER_SECOND, Duration::from_secs(1));
    let start = Instant::now();
    let calls = (0..10).map(async |_| {
        let started = limiter.acquire().await?;
        Ok::<_, AcquireError>(call_api(started, start).await)
    });
    let started = join_all(calls)
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    println!("RateLimiter(3 per second), ten 0.1s calls started at:");
    println!("  {}", format_times(&started));
    println!("  {:.1}s in all", start.elapsed().as_secs_f64());

    // Any four consecutive starts span at least a second.
    for four in started.windows(4) {
        assert!(
            four[3] - four[0] >= 1.0 - 1e-9,
            "four calls within one second: {four:?}"
        );
    }
    Ok(())
}

// The demonstration's API call, and the start times it prints.

/// Returns when the call started, in seconds since `start`.
async fn call_api(started: Instant, start: Instant) -> f64 {
    sleep(Duration::from_millis(100)).await;
    (started - start).as_secs_f64()
}

fn format_times(times: &[f64]) -> String {
    let times: Vec<String> = times.iter().map(|t| format!("{t:.1}")).collect();
    times.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_period_of_any_length_holds_the_permit_without_panicking() {
        let limiter = RateLimiter::new(NonZeroUsize::MIN, Duration::MAX);
        limiter.acquire().await.unwrap();
        let second = tokio::time::timeout(Duration::from_secs(3600), limiter.acquire()).await;
        assert!(second.is_err(), "the permit came back within the period");
    }

    #[tokio::test]
    async fn a_rate_past_what_a_semaphore_holds_is_no_panic() {
        let limiter = RateLimiter::new(NonZeroUsize::MAX, Duration::from_secs(1));
        limiter.acquire().await.unwrap();
    }
}
