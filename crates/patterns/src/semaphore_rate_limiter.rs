//! A rate limiter built on a semaphore: each call spends a permit, which
//! comes back one period after the call started, so at most N calls start
//! per period.
//!
//! A semaphore alone limits concurrency, not rate: three permits let ten short
//! calls through in 0.4 s. Here the limiter's tasks (owned by the limiter)
//! take the permits, `forget` them, and add each back a period after its
//! call started: a sliding window kept by the semaphore. Callers wait in
//! line for a task to hand them a start time, not on the semaphore itself:
//! a permit the semaphore hands to a caller that is no longer polled would
//! never come back, and with one call a period every caller would wait for
//! ever. `calls` is a `NonZeroUsize`: no permits would mean waiting for ever.
//!
//! Translates:
//! - *Python Async/Await*, "Exercises" (exercise 3: "Build an async rate
//!   limiter using semaphores")

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use tokio::sync::{Semaphore, mpsc, oneshot};
use tokio::time::{Instant, sleep};
use tokio_util::task::AbortOnDropHandle;

/// At most `calls` calls may start in any `period`.
struct RateLimiter {
    /// The line of callers, each waiting to be told when its call started.
    line: mpsc::UnboundedSender<oneshot::Sender<Instant>>,
    _tasks: [AbortOnDropHandle<()>; 2],
}

#[derive(Debug, thiserror::Error)]
#[error("the rate limiter has stopped")]
struct Stopped;

impl RateLimiter {
    /// Starts the limiter's tasks, so it must be called inside a Tokio
    /// runtime.
    fn new(calls: NonZeroUsize, period: Duration) -> Self {
        // A Tokio semaphore holds at most `MAX_PERMITS` (2^61 - 1 on 64
        // bits) and panics past it; so many calls a period is no limit.
        let permits = Arc::new(Semaphore::new(calls.get().min(Semaphore::MAX_PERMITS)));
        // When each permit taken was taken, in order; it is due back one
        // period later.
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
        let (line, mut callers) = mpsc::unbounded_channel::<oneshot::Sender<Instant>>();
        // Serves the line in order. A caller gone before its turn is
        // skipped; a caller still there gets its turn whether or not it is
        // polled, and its permit comes back a period later all the same.
        let dispatcher = tokio::spawn(async move {
            while let Some(caller) = callers.recv().await {
                if caller.is_closed() {
                    continue;
                }
                let Ok(permit) = permits.acquire().await else {
                    return;
                };
                permit.forget();
                let started = Instant::now();
                if caller.send(started).is_ok() {
                    // Fails only once the releaser is gone, with the limiter.
                    let _ = releases.send(started);
                } else {
                    // Gone while it waited: the permit was never used.
                    permits.add_permits(1);
                }
            }
        });
        Self {
            line,
            _tasks: [releaser, dispatcher].map(AbortOnDropHandle::new),
        }
    }

    /// Waits for a free slot in the window, and returns the time the call
    /// may start. Fails only if the limiter's tasks are gone.
    async fn acquire(&self) -> Result<Instant, Stopped> {
        let (turn, started) = oneshot::channel();
        self.line.send(turn).map_err(|_| Stopped)?;
        started.await.map_err(|_| Stopped)
    }
}

/// Checked when the program compiles: a zero would not build.
const CALLS_PER_SECOND: NonZeroUsize = NonZeroUsize::new(3).expect("a rate above zero");

pub async fn run() -> anyhow::Result<()> {
    let concurrency = Semaphore::new(3);
    let start = Instant::now();
    let calls = (0..10).map(async |_| {
        let _permit = concurrency.acquire().await?;
        Ok::<_, tokio::sync::AcquireError>(call_api(Instant::now(), start).await)
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
        Ok::<_, Stopped>(call_api(started, start).await)
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
    use std::pin::pin;

    use futures::poll;
    use tokio::time::timeout;

    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[tokio::test(start_paused = true)]
    async fn a_period_of_any_length_holds_the_permit_without_panicking() {
        let limiter = RateLimiter::new(NonZeroUsize::MIN, Duration::MAX);
        limiter.acquire().await.unwrap();
        let second = timeout(Duration::from_secs(3600), limiter.acquire()).await;
        assert!(second.is_err(), "the permit came back within the period");
    }

    #[tokio::test]
    async fn a_rate_past_what_a_semaphore_holds_is_no_panic() {
        let limiter = RateLimiter::new(NonZeroUsize::MAX, SECOND);
        limiter.acquire().await.unwrap();
    }

    /// One call a second. A caller polled once and then neither polled nor
    /// dropped (a branch of a `select!` that stopped polling it) spends its
    /// turn, at 1 s, and holds up nobody behind it.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_holds_up_no_one() {
        let limiter = RateLimiter::new(NonZeroUsize::MIN, SECOND);
        limiter.acquire().await.unwrap();
        let mut held = pin!(limiter.acquire());
        assert!(poll!(held.as_mut()).is_pending());
        let others = join_all((0..3).map(|_| limiter.acquire()));
        let started = timeout(SECOND * 4 + SECOND / 2, others)
            .await
            .expect("the others went on");
        assert!(started.iter().all(Result::is_ok));
    }

    /// The caller first in line gives up: the one behind it takes its turn.
    #[tokio::test(start_paused = true)]
    async fn a_caller_that_gives_up_in_line_lets_the_next_move_up() {
        let limiter = RateLimiter::new(NonZeroUsize::MIN, SECOND);
        let start = limiter.acquire().await.unwrap();
        let gives_up = timeout(SECOND / 2, limiter.acquire());
        let (gave_up, next) = futures::join!(gives_up, limiter.acquire());
        assert!(gave_up.is_err());
        assert_eq!(next.unwrap() - start, SECOND);
    }
}
