//! The production choice, the `governor` crate, driven by Tokio's clock so
//! that it also works on the paused clock.
//!
//! `governor` keeps a token bucket as one timestamp, updated without a lock:
//! here two calls a second, in bursts of two, as `token_bucket`. Its default
//! clock and its `until_ready` wait on real time, which Tokio's paused clock
//! doesn't move, so `TokioClock` supplies Tokio's time, and `until_ready`
//! below sleeps with Tokio for as long as `check()`'s `NotUntil` says.
//! Waiters take tickets and go in ticket order; every one of them sleeps,
//! and whichever wakes first lets the next in line through, so no lock is
//! held across a wait and a caller its owner stops polling holds up nobody.
//! `check()` alone is the other mode: answer "429, retry after" at once.

use std::collections::BTreeSet;
use std::num::NonZeroU32;
use std::sync::{Mutex, MutexGuard, PoisonError};
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

/// The callers waiting for the limiter, in arrival order.
#[derive(Default)]
struct Line {
    /// The ticket the next caller gets, and the first not yet let through.
    next_ticket: u64,
    serving: u64,
    /// Tickets of callers that left the line before their turn.
    left: BTreeSet<u64>,
}

fn lock(line: &Mutex<Line>) -> MutexGuard<'_, Line> {
    // Nothing panics while the lock is held: a poisoned line is whole.
    line.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Waits until the limiter lets this caller through, after every caller
/// that came before it.
async fn until_ready(limiter: &Limiter, clock: &TokioClock, line: &Mutex<Line>) {
    let ticket = {
        let mut line = lock(line);
        line.next_ticket += 1;
        line.next_ticket - 1
    };
    let _in_line = InLine { line, ticket };
    loop {
        let wait = {
            let mut line = lock(line);
            let mut wait = None;
            while line.serving < line.next_ticket {
                let head = line.serving;
                if !line.left.remove(&head)
                    && let Err(not_until) = limiter.check()
                {
                    wait = Some(not_until.wait_time_from(clock.now()));
                    break;
                }
                line.serving += 1;
            }
            match wait {
                Some(wait) if line.serving <= ticket => wait,
                _ => return,
            }
        };
        sleep(wait).await;
    }
}

/// A caller's place in line: dropped before its turn, it leaves the line
/// and the callers behind it move up.
struct InLine<'a> {
    line: &'a Mutex<Line>,
    ticket: u64,
}

impl Drop for InLine<'_> {
    fn drop(&mut self) {
        let mut line = lock(self.line);
        // A turn that came while the caller was not being polled was spent.
        if line.serving <= self.ticket {
            line.left.insert(self.ticket);
        }
    }
}

async fn make_api_call(
    limiter: &Limiter,
    clock: &TokioClock,
    line: &Mutex<Line>,
    call_id: u32,
    start: Instant,
) {
    until_ready(limiter, clock, line).await;
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
    let line = Mutex::default();
    let start = Instant::now();
    join_all((0..10).map(|i| make_api_call(&limiter, &clock, &line, i, start))).await;
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

#[cfg(test)]
mod tests {
    use std::pin::pin;

    use futures::future::join_all;
    use futures::poll;
    use tokio::time::timeout;

    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    /// A caller polled once and then neither polled nor dropped (a branch
    /// of a `select!` that stopped polling it) is let through in its turn,
    /// and holds up nobody behind it.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_holds_up_no_one() {
        let clock = TokioClock::new();
        let limiter =
            RateLimiter::direct_with_clock(Quota::per_second(NonZeroU32::MIN), clock.clone());
        let line = Mutex::default();
        until_ready(&limiter, &clock, &line).await;
        let mut held = pin!(until_ready(&limiter, &clock, &line));
        assert!(poll!(held.as_mut()).is_pending());
        // The held caller's turn is at 1 s; the three behind it go at 2, 3
        // and 4 s.
        let others = join_all((0..3).map(|_| until_ready(&limiter, &clock, &line)));
        timeout(SECOND * 4 + SECOND / 2, others)
            .await
            .expect("the others went on");
    }

    /// The caller first in line gives up: the one behind it takes its turn.
    #[tokio::test(start_paused = true)]
    async fn a_caller_that_gives_up_in_line_lets_the_next_move_up() {
        let clock = TokioClock::new();
        let limiter =
            RateLimiter::direct_with_clock(Quota::per_second(NonZeroU32::MIN), clock.clone());
        let line = Mutex::default();
        until_ready(&limiter, &clock, &line).await;
        let start = Instant::now();
        let gives_up = timeout(SECOND / 2, until_ready(&limiter, &clock, &line));
        let (gave_up, ()) = futures::join!(gives_up, until_ready(&limiter, &clock, &line));
        assert!(gave_up.is_err());
        assert_eq!(start.elapsed(), SECOND);
    }
}
