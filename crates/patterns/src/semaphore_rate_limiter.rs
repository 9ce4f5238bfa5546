//! A rate limiter built on a semaphore: each call takes a permit and gives
//! it back one period after it started, so at most N calls start per period.
//!
//! Solves exercise 3 of *Python Async/Await*, "Exercises": "Build an
//! async rate limiter using semaphores".
//!
//! A semaphore on its own limits concurrency, not rate: `Semaphore(3)`
//! allows three calls at a time, and as soon as one finishes the next
//! starts, so short calls go through as fast as they complete. The first
//! half of the output shows that: three permits, ten 0.1 s calls, all done
//! in 0.4 s.
//!
//! To limit the rate, a call must keep its permit for the whole period, not
//! just while it runs. Here the permit is an `OwnedSemaphorePermit` moved
//! into a small task that sleeps for the period and then drops it. So every
//! permit comes back exactly one period after the call that took it
//! started, and no window of that length ever holds more than N starts (a
//! sliding window, like `sliding_window`, with the bookkeeping done by the
//! semaphore). Waiters are served in order, because Tokio's semaphore is
//! fair.

use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use tokio::sync::{AcquireError, Semaphore};
use tokio::time::{Instant, sleep, sleep_until};

/// At most `calls` calls may start in any `period`.
struct RateLimiter {
    permits: Arc<Semaphore>,
    period: Duration,
}

impl RateLimiter {
    fn new(calls: usize, period: Duration) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(calls)),
            period,
        }
    }

    /// Waits for a free slot in the window, and returns the time the call
    /// may start. Fails only if the semaphore is closed.
    async fn acquire(&self) -> Result<Instant, AcquireError> {
        let permit = self.permits.clone().acquire_owned().await?;
        let started = Instant::now();
        let release_at = started + self.period;
        tokio::spawn(async move {
            sleep_until(release_at).await;
            drop(permit);
        });
        Ok(started)
    }
}

/// Returns when the call started, in seconds since `start`.
async fn call_api(started: Instant, start: Instant) -> f64 {
    sleep(Duration::from_millis(100)).await;
    (started - start).as_secs_f64()
}

fn format_times(times: &[f64]) -> String {
    let times: Vec<String> = times.iter().map(|t| format!("{t:.1}")).collect();
    times.join(", ")
}

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
    let limiter = RateLimiter::new(3, Duration::from_secs(1));
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
