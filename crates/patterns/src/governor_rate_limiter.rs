//! The production choice, the `governor` crate, driven by Tokio's clock so
//! that it also works on the paused clock.
//!
//! `governor` keeps a token bucket as one timestamp, updated without a lock:
//! here two calls a second, in bursts of two, as `token_bucket`. A caller
//! waits as governor's `until_ready` does, asking `check()` and sleeping until
//! the next cell, but on Tokio's clock: `until_ready` sleeps on real time
//! (`futures-timer`), which a paused clock doesn't move. A cell is spent in
//! the poll that makes the call, a trade (the book's page "Rate limiting").
//! It gives: a caller held unpolled (in a `select!`) or polled late, however
//! late, spends nothing until it is polled, so held callers make no burst and
//! a late one loses no turn; one that gives up costs nothing; no task, so
//! nothing to stop and no runtime needed to build it. It gives up order:
//! every waiter sleeps until the next cell and whichever is polled first
//! takes it, so callers looping on the limiter can take every cell while
//! another waits for ever; and each cell wakes every waiter, about N polls
//! a call for N waiters. governor's `until_ready_with_jitter` spreads the
//! waiters' wake-ups at random, at the price of a run that is never the
//! same twice. `check()` alone is the other mode: answer "429, retry after".

use std::num::NonZeroU32;
use std::time::Duration;

use futures::future::join_all;
use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use tokio::time::{Instant, sleep};

/// Time since the clock was made, read from Tokio's clock, so that a paused
/// runtime controls it.
#[derive(Clone)]
struct TokioClock {
    origin: Instant,
}

impl TokioClock {
    fn new() -> Self {
        Self {
            origin: Instant::now(),
        }
    }
}

impl Clock for TokioClock {
    type Instant = Nanos;

    fn now(&self) -> Nanos {
        self.origin.elapsed().into()
    }
}

type Limiter = RateLimiter<NotKeyed, InMemoryState, TokioClock, NoOpMiddleware<Nanos>>;

fn on_tokio_clock(quota: Quota) -> Limiter {
    RateLimiter::direct_with_clock(quota, TokioClock::new())
}

/// Waits until `limiter` lets this caller through.
async fn until_ready(limiter: &Limiter) {
    loop {
        match limiter.check() {
            Ok(()) => return,
            // Asks again on waking: another waiter may have taken the cell,
            // and Tokio cuts a very long sleep short.
            Err(not_until) => sleep(not_until.wait_time_from(limiter.clock().now())).await,
        }
    }
}

async fn make_api_call(limiter: &Limiter, call_id: u32, start: Instant) -> Duration {
    until_ready(limiter).await;
    let started = start.elapsed();
    println!("[{:.1}s] Making API call {call_id}", started.as_secs_f64());
    sleep(Duration::from_millis(500)).await;
    started
}

/// Two calls per second. A zero here fails the build, not the run: the
/// constant is evaluated at compile time.
const PER_SECOND: NonZeroU32 = NonZeroU32::new(2).expect("a quota needs a rate above zero");

pub async fn run() {
    let quota = Quota::per_second(PER_SECOND);

    let limiter = on_tokio_clock(quota);
    let start = Instant::now();
    // The waiting calls wake together for each cell, and `join_all` (of
    // 30 or fewer) polls them in order: the lowest call id takes it.
    let calls = join_all((0..10).map(|i| make_api_call(&limiter, i, start))).await;
    println!(
        "Completed {} calls in {:.1}s",
        calls.len(),
        start.elapsed().as_secs_f64()
    );

    println!();
    let limiter = on_tokio_clock(quota);
    for request in 0..4 {
        match limiter.check() {
            Ok(()) => println!("Request {request}: allowed"),
            Err(not_until) => println!(
                "Request {request}: 429 Too Many Requests, retry after {:.1}s",
                not_until
                    .wait_time_from(limiter.clock().now())
                    .as_secs_f64()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::future::{Future, poll_fn};
    use std::pin::pin;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use futures::poll;
    use tokio::time::timeout;
    use tokio_util::task::AbortOnDropHandle;

    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    fn one_every(period: Duration) -> Limiter {
        on_tokio_clock(Quota::with_period(period).expect("a period above zero"))
    }

    /// Whether the calls that started at `started` kept `quota` over every
    /// stretch of time, not only from the first: from any start to any later
    /// one, at most a burst plus the cells earned between them, counted in
    /// whole nanoseconds, so no rounding hides a call too many.
    fn within_quota(mut started: Vec<Duration>, quota: Quota) -> bool {
        let burst = u128::from(quota.burst_size().get());
        let every = quota.replenish_interval().as_nanos();
        started.sort();
        started.iter().enumerate().all(|(i, first)| {
            started[i..].iter().enumerate().all(|(n, last)| {
                let earned = (*last - *first).as_nanos() / every;
                let calls = n as u128 + 1;
                calls <= burst + earned
            })
        })
    }

    #[tokio::test(start_paused = true)]
    async fn the_demonstration_keeps_the_quota_over_every_stretch() {
        let quota = Quota::per_second(PER_SECOND);
        let limiter = on_tokio_clock(quota);
        let start = Instant::now();
        let started = join_all((0..10).map(|i| make_api_call(&limiter, i, start))).await;
        assert!(within_quota(started.clone(), quota), "{started:?}");
    }

    /// The most calls made at any one instant.
    fn most_at_one_instant(calls: &[Instant]) -> usize {
        calls
            .iter()
            .map(|at| calls.iter().filter(|other| *other == at).count())
            .max()
            .unwrap_or(0)
    }

    /// One cell a second, and ten callers held (polled once, then neither
    /// polled nor dropped, as a `select!` over `&mut fut` holds one) while
    /// twenty cells' time goes by, then polled at once beside a fresh caller:
    /// no instant sees more calls than a burst, one.
    #[tokio::test(start_paused = true)]
    async fn callers_held_past_their_turns_make_no_burst() {
        let limiter = one_every(SECOND);
        until_ready(&limiter).await;
        let mut held: Vec<_> = (0..10).map(|_| Box::pin(until_ready(&limiter))).collect();
        for caller in &mut held {
            assert!(poll!(caller.as_mut()).is_pending());
        }
        sleep(SECOND * 20).await;
        let callers = held.into_iter().chain([Box::pin(until_ready(&limiter))]);
        let calls = join_all(callers.map(async |caller| {
            caller.await;
            Instant::now()
        }))
        .await;
        assert_eq!(most_at_one_instant(&calls), 1, "{calls:?}");
    }

    /// A caller polled once and then held takes no cell: the three others
    /// go at 1, 2 and 3 s.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_holds_up_no_one() {
        let limiter = one_every(SECOND);
        until_ready(&limiter).await;
        let mut held = pin!(until_ready(&limiter));
        assert!(poll!(held.as_mut()).is_pending());
        let others = join_all((0..3).map(|_| until_ready(&limiter)));
        timeout(SECOND * 3 + SECOND / 2, others)
            .await
            .expect("the others went on");
    }

    /// A caller that gives up, in a `timeout` before its turn or dropped
    /// after a `select!` held it past its turn, costs no cell: the next
    /// caller goes when it would have without it.
    #[tokio::test(start_paused = true)]
    async fn callers_that_give_up_cost_no_cell() {
        let limiter = one_every(SECOND);
        until_ready(&limiter).await;
        let start = Instant::now();
        let gave_up = timeout(SECOND / 2, until_ready(&limiter)).await;
        assert!(gave_up.is_err());
        until_ready(&limiter).await;
        assert_eq!(start.elapsed(), SECOND);

        let mut held = Box::pin(until_ready(&limiter));
        assert!(poll!(held.as_mut()).is_pending());
        // Its turn comes at 2 s, while it is held.
        sleep(SECOND * 3 / 2).await;
        drop(held);
        let next = Instant::now();
        until_ready(&limiter).await;
        assert_eq!(next.elapsed(), Duration::ZERO);
    }

    /// On the real clock, a neighbour task blocks the runtime's one thread
    /// for 80 ms between yields, so ten callers that share a cell every 10 ms
    /// are polled far later than their turns: all ten still call. Bounded,
    /// so that callers that lose their turns fail here rather than hang.
    #[test]
    fn callers_polled_late_every_time_still_call() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        runtime.block_on(async {
            let _neighbour = AbortOnDropHandle::new(tokio::spawn(async {
                loop {
                    std::thread::sleep(Duration::from_millis(80));
                    tokio::task::yield_now().await;
                }
            }));
            let limiter = Arc::new(one_every(Duration::from_millis(10)));
            let callers: Vec<_> = (0..10)
                .map(|_| {
                    let limiter = Arc::clone(&limiter);
                    AbortOnDropHandle::new(tokio::spawn(async move { until_ready(&limiter).await }))
                })
                .collect();
            timeout(SECOND * 10, join_all(callers))
                .await
                .expect("ten calls in 10 s at 100 a second");
        });
    }

    /// The trade's other side, order: twenty tasks call in a loop, one cell
    /// every 10 ms, for five seconds. Each wakes for each cell, and the
    /// first polled takes it: on this runtime, the same tasks each time,
    /// while another waits for ever.
    #[tokio::test(start_paused = true)]
    async fn a_looping_caller_can_starve_another() {
        let limiter = Arc::new(one_every(Duration::from_millis(10)));
        let calls: Vec<_> = (0..20).map(|_| Arc::new(AtomicUsize::new(0))).collect();
        let _looping: Vec<_> = calls
            .iter()
            .map(|calls| {
                let (limiter, calls) = (Arc::clone(&limiter), Arc::clone(calls));
                AbortOnDropHandle::new(tokio::spawn(async move {
                    loop {
                        until_ready(&limiter).await;
                        calls.fetch_add(1, Ordering::Relaxed);
                    }
                }))
            })
            .collect();
        sleep(SECOND * 5).await;
        let fewest = calls
            .iter()
            .map(|calls| calls.load(Ordering::Relaxed))
            .min();
        assert_eq!(fewest, Some(0), "every caller had a turn");
    }

    /// Polls `future`, counting each poll in `polls`.
    async fn counting_polls<F: Future>(polls: Arc<AtomicUsize>, future: F) -> F::Output {
        let mut future = pin!(future);
        poll_fn(|cx| {
            polls.fetch_add(1, Ordering::Relaxed);
            future.as_mut().poll(cx)
        })
        .await
    }

    /// `callers` wait to go, one every 10 ms: the polls of their
    /// `until_ready`s, per caller let through.
    async fn polls_per_call(callers: usize) -> f64 {
        let limiter = Arc::new(one_every(Duration::from_millis(10)));
        until_ready(&limiter).await;
        let polls = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..callers)
            .map(|_| {
                let (limiter, polls) = (Arc::clone(&limiter), Arc::clone(&polls));
                let call = async move { until_ready(&limiter).await };
                AbortOnDropHandle::new(tokio::spawn(counting_polls(polls, call)))
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        polls.load(Ordering::Relaxed) as f64 / callers as f64
    }

    /// The trade's other side: each cell wakes every caller still waiting,
    /// so a hundred waiters cost about (100 + 99 + ... + 1) / 100, some 50
    /// polls a call, where a line would cost one or two.
    #[tokio::test(start_paused = true)]
    async fn each_cell_wakes_every_waiter() {
        let per_call = polls_per_call(100).await;
        assert!(per_call > 25.0, "{per_call} polls a call");
    }

    /// A period of 500 years, near the longest `governor` counts (it panics
    /// past 584 years, the most nanoseconds a `u64` holds): the second caller
    /// still waits when Tokio cuts its sleep short, at 30 years.
    #[tokio::test(start_paused = true)]
    async fn a_huge_period_makes_the_next_caller_wait_without_panicking() {
        const YEAR: Duration = Duration::from_secs(365 * 24 * 3600);
        let limiter = one_every(YEAR * 500);
        until_ready(&limiter).await;
        let second = timeout(YEAR * 40, until_ready(&limiter)).await;
        assert!(second.is_err(), "a second call within the period");
    }

    /// No task: a limiter built outside any runtime works inside one.
    #[test]
    fn a_limiter_needs_no_runtime_to_build() {
        let limiter = one_every(SECOND);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        runtime.block_on(async {
            until_ready(&limiter).await;
            until_ready(&limiter).await;
        });
    }
}
