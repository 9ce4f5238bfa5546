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
//! task, so it is cheap enough for every request of a busy server. A `Quota` is a rate plus
//! a burst; here two calls per second, with bursts of two, the same limit as
//! `token_bucket`.
//!
//! One catch, found by running it on Tokio's paused clock: `governor`'s
//! default clock reads the system's monotonic clock, and its
//! `until_ready().await` waits with `futures-timer`, which runs its own timer
//! thread on real time. Tokio's paused clock moves neither. Measured: five
//! `until_ready` calls took 1.5 s of real time on the paused clock, while
//! Tokio's clock, seeing a runtime with nothing to do, jumped to the next
//! Tokio timer, however far away (100 s in the test): the two clocks
//! disagree about when each call happened. (On the real clock it is
//! correct.)
//!
//! The fix is small, because `governor` lets you supply the clock and
//! separates deciding from waiting. `TokioClock` below reports time from
//! `tokio::time::Instant`; `check()` decides without waiting, and its
//! `NotUntil` error says how long to wait, which `until_ready` turns into a
//! `tokio::time::sleep`. Now the paused clock drives the limiter, and tests
//! of rate-limited code run instantly. `check()` on its own is the other
//! common mode: reject at once, with a "retry after" hint, as an HTTP server
//! answering `429 Too Many Requests` would.

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

/// Waits until the limiter lets one call through.
async fn until_ready(limiter: &Limiter, clock: &TokioClock) {
    while let Err(not_until) = limiter.check() {
        sleep(not_until.wait_time_from(clock.now())).await;
    }
}

async fn make_api_call(limiter: &Limiter, clock: &TokioClock, call_id: u32, start: Instant) {
    until_ready(limiter, clock).await;
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
    let start = Instant::now();
    join_all((0..10).map(|i| make_api_call(&limiter, &clock, i, start))).await;
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
