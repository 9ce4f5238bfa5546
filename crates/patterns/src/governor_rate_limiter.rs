//! The production choice, the `governor` crate, driven by Tokio's clock so
//! that it also works on the paused clock.
//!
//! Shows what a professional would use instead of the hand-rolled limiters
//! of `token_bucket` (*Python Async Programming: A Detailed Guide*,
//! "Rate-Limited API Calls") and `sliding_window` (*Complete Guide to Async IO
//! and Asynchronous Programming in Python*, "Rate Limiting").
//!
//! `governor` implements GCRA, a token bucket kept as a single timestamp:
//! checking updates one atomic with a compare-and-swap, with no lock and no
//! task, so it is cheap enough for every request of a busy server. A `Quota`
//! is a rate plus a burst; here two calls per second, with bursts of two, the
//! same limit as `token_bucket`.
//!
//! One catch, found by running it on Tokio's paused clock: `governor`'s
//! default clock reads the system's monotonic clock, and its
//! `until_ready().await` waits with `futures-timer`, which runs its own timer
//! thread on real time. Tokio's paused clock moves neither. Five
//! `until_ready` calls in a row take 1.5 s of real time (calls 3, 4 and 5
//! wait half a second each) on a runtime whose clock is paused, while
//! Tokio's clock, seeing nothing to do, jumps at once to its next timer,
//! however far away: the two clocks disagree about when each call happened.
//! (On the real clock it is correct.)
//!
//! The fix is small, because `governor` lets you supply the clock and
//! separates deciding from waiting. `TokioClock` below reports time from
//! `tokio::time::Instant`; `check()` decides without waiting, and its
//! `NotUntil` error says how long to wait, which `until_ready` turns into a
//! `tokio::time::sleep`. Now the paused clock drives the limiter, and tests
//! of rate-limited code run instantly. `check()` on its own is the other
//! common mode: reject at once, with a "retry after" hint, as an HTTP server
//! answering `429 Too Many Requests` would.
//!
//! `check()` keeps no queue: callers that wait for the same instant all wake
//! then, and one of them gets through while the rest sleep again.
//! `until_ready` below queues them on a fair `tokio::sync::Mutex`, so they
//! are served in arrival order and only the first of them sleeps.
//! (`governor`'s own `until_ready` suggests random jitter instead, through
//! `until_ready_with_jitter`, to spread such a herd out.) The ten calls
//! below arrive in call order because `join_all` polls a short list of
//! futures in turn the first time: what `futures` 0.3 does, not a promise
//! it documents.

use std::num::NonZeroU32;
use std::time::Duration;

use futures::future::join_all;
use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use tokio::sync::Mutex;
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

/// Waits until the limiter lets one call through. Callers queue on a fair
/// mutex, so they go in arrival order and only the first of them sleeps.
async fn until_ready(limiter: &Limiter, clock: &TokioClock, queue: &Mutex<()>) {
    let _turn = queue.lock().await;
    while let Err(not_until) = limiter.check() {
        sleep(not_until.wait_time_from(clock.now())).await;
    }
}

async fn make_api_call(
    limiter: &Limiter,
    clock: &TokioClock,
    queue: &Mutex<()>,
    call_id: u32,
    start: Instant,
) {
    until_ready(limiter, clock, queue).await;
    println!(
        "[{:.1}s] Making API call {call_id}",
        start.elapsed().as_secs_f64()
    );
    sleep(Duration::from_millis(500)).await;
}

/// Two calls per second. A zero here fails the build, not the run: the
/// constant is evaluated at compile time.
const PER_SECOND: NonZeroU32 = NonZeroU32::new(2).expect("a quota needs a rate above zero");

pub async fn run() {
    let quota = Quota::per_second(PER_SECOND);

    let clock = TokioClock::new();
    let limiter = RateLimiter::direct_with_clock(quota, clock.clone());
    let queue = Mutex::new(());
    let start = Instant::now();
    join_all((0..10).map(|i| make_api_call(&limiter, &clock, &queue, i, start))).await;
    println!(
        "Completed 10 calls in {:.1}s",
        start.elapsed().as_secs_f64()
    );

    println!();
    let clock = TokioClock::new();
    let limiter = RateLimiter::direct_with_clock(quota, clock.clone());
    for request in 0..4 {
        match limiter.check() {
            Ok(()) => println!("Request {request}: allowed"),
            Err(not_until) => println!(
                "Request {request}: 429 Too Many Requests, retry after {:.1}s",
                not_until.wait_time_from(clock.now()).as_secs_f64()
            ),
        }
    }
}
