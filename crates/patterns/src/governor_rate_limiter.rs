//! The production choice, the `governor` crate, driven by Tokio's clock so
//! that it also works on the paused clock.
//!
//! `governor` keeps a token bucket as one timestamp, updated without a lock:
//! here two calls a second, in bursts of two, as `token_bucket`. Its default
//! clock and its `until_ready` wait on real time, which Tokio's paused clock
//! doesn't move, so `TokioClock` supplies Tokio's time, and `until_ready`
//! below sleeps with Tokio for as long as `check()`'s `NotUntil` says, queued
//! on a fair mutex so waiters are served in arrival order. `check()` alone is
//! the other mode: answer "429, retry after" at once.

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
