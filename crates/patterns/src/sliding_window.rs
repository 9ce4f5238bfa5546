//! The guide's sliding-window rate limiter, without its deadlock: at most
//! three calls in any two seconds.
//!
//! A call may start when fewer than `max_calls` recent calls are within
//! `time_window` (the guide calls it a token bucket; it is a sliding window).
//! The guide's `acquire` retries by calling itself while holding its
//! `asyncio.Lock`, which is not reentrant: the fourth call waits for a lock it
//! holds, for ever. Here no lock is held across a wait: each caller takes a
//! ticket, and callers start in ticket order. Every waiter sleeps until the
//! oldest call leaves the window, and whichever wakes first lets the next
//! in line start, so a caller its owner stops polling holds up nobody; a
//! caller dropped before its turn is skipped.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Rate Limiting" (`AsyncRateLimiter`)

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::num::NonZeroUsize;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use futures::future::join_all;
use tokio::time::{Instant, sleep};

struct AsyncRateLimiter {
    /// Not zero: with no room at all, no call could ever start.
    max_calls: NonZeroUsize,
    time_window: Duration,
    line: Mutex<Line>,
}

struct Line {
    /// Start times of the calls within the last `time_window`, oldest first.
    calls: VecDeque<Instant>,
    /// The ticket the next caller gets, and the first not yet started.
    next_ticket: u64,
    serving: u64,
    /// When each ticket let start by another caller started, until its own
    /// caller reads it.
    started: BTreeMap<u64, Instant>,
    /// Tickets of callers that left the line before their turn.
    left: BTreeSet<u64>,
}

impl AsyncRateLimiter {
    fn new(max_calls: NonZeroUsize, time_window: Duration) -> Self {
        Self {
            max_calls,
            time_window,
            line: Mutex::new(Line {
                calls: VecDeque::new(),
                next_ticket: 0,
                serving: 0,
                started: BTreeMap::new(),
                left: BTreeSet::new(),
            }),
        }
    }

    /// Waits for this caller's turn and room in the window, and returns the
    /// start time it recorded.
    async fn acquire(&self) -> Instant {
        let ticket = {
            let mut line = self.line();
            line.next_ticket += 1;
            line.next_ticket - 1
        };
        let _in_line = InLine {
            limiter: self,
            ticket,
        };
        loop {
            let wait = {
                let mut line = self.line();
                self.serve(&mut line);
                if let Some(started) = line.started.remove(&ticket) {
                    return started;
                }
                // A sleep for what is left, not `sleep_until(oldest +
                // window)`: adding a huge window to an `Instant` overflows.
                let now = Instant::now();
                line.calls.front().map_or(self.time_window, |&oldest| {
                    self.time_window.saturating_sub(now - oldest)
                })
            };
            sleep(wait).await;
        }
    }

    /// Lets the callers in line start, in ticket order, while the window
    /// has room.
    fn serve(&self, line: &mut Line) {
        let now = Instant::now();
        while line
            .calls
            .front()
            .is_some_and(|&oldest| now - oldest >= self.time_window)
        {
            line.calls.pop_front();
        }
        while line.serving < line.next_ticket {
            if !line.left.remove(&line.serving) {
                if line.calls.len() >= self.max_calls.get() {
                    break;
                }
                line.calls.push_back(now);
                let ticket = line.serving;
                line.started.insert(ticket, now);
            }
            line.serving += 1;
        }
    }

    fn line(&self) -> MutexGuard<'_, Line> {
        // Nothing panics while the lock is held: a poisoned line is whole.
        self.line.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A caller's place in line: dropped before its turn (a timeout around
/// `acquire`), it leaves the line and the callers behind it move up.
struct InLine<'a> {
    limiter: &'a AsyncRateLimiter,
    ticket: u64,
}

impl Drop for InLine<'_> {
    fn drop(&mut self) {
        let mut line = self.limiter.line();
        // A turn that came while the caller was not being polled was spent.
        if line.started.remove(&self.ticket).is_none() && line.serving <= self.ticket {
            line.left.insert(self.ticket);
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
    use std::pin::pin;

    use futures::poll;
    use tokio::time::timeout;

    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[tokio::test(start_paused = true)]
    async fn a_full_window_of_any_length_waits_without_panicking() {
        let limiter = AsyncRateLimiter::new(NonZeroUsize::MIN, Duration::MAX);
        limiter.acquire().await;
        let second = timeout(Duration::from_secs(3600), limiter.acquire()).await;
        assert!(second.is_err(), "a second call started within the window");
    }

    /// One call a second. The caller first in line gives up: the one behind
    /// it takes its turn, at 1 s.
    #[tokio::test(start_paused = true)]
    async fn a_caller_that_gives_up_in_line_lets_the_next_move_up() {
        let limiter = AsyncRateLimiter::new(NonZeroUsize::MIN, SECOND);
        let start = limiter.acquire().await;
        let gives_up = timeout(SECOND / 2, limiter.acquire());
        let (gave_up, next) = futures::join!(gives_up, limiter.acquire());
        assert!(gave_up.is_err());
        assert_eq!(next - start, SECOND);
    }

    /// A caller polled once and then neither polled nor dropped (a branch
    /// of a `select!` that stopped polling it) is let start in its turn,
    /// and holds up nobody behind it.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_holds_up_no_one() {
        let limiter = AsyncRateLimiter::new(NonZeroUsize::MIN, SECOND);
        limiter.acquire().await;
        let mut held = pin!(limiter.acquire());
        assert!(poll!(held.as_mut()).is_pending());
        // The held caller's turn is at 1 s; the three behind it start at 2, 3
        // and 4 s.
        let others = join_all((0..3).map(|_| limiter.acquire()));
        timeout(SECOND * 4 + SECOND / 2, others)
            .await
            .expect("the others went on");
    }
}
