//! The guide's token-bucket rate limiter, fixed so that concurrent callers
//! are limited too, served in the order they came, and a caller that gives
//! up leaves the line without breaking the limit.
//!
//! The bucket holds up to `rate` tokens and earns one every `per / rate`. The
//! guide's `acquire` checks, then sleeps, then empties the bucket without
//! taking a token, so eight callers that find it empty all go through half a
//! second later: ten calls in 0.5 s from two a second. Here each caller takes
//! a ticket and tokens go out in ticket order. A caller dropped before its
//! turn is skipped, so the ones behind it move up; a turn that comes while
//! its caller is not being polled is spent all the same, and nothing is ever
//! given back. So the limit is on the turns handed out: a caller polled again
//! only after its turn has passed returns then, as late as one slow to use
//! its token, and calls beside whoever is served next. Every waiter sleeps
//! until the next token is due and whichever wakes first hands it out: no
//! caller waits on another being polled. The state sits in a `std` mutex,
//! never held across the sleep.
//!
//! Translates:
//! - *Python Async Programming: A Detailed Guide*, "Rate-Limited API Calls"

use std::collections::BTreeSet;
use std::num::NonZeroU32;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use futures::future::join_all;
use tokio::time::{Instant, sleep};

struct RateLimiter {
    /// The most tokens the bucket holds: `rate`.
    burst: u64,
    /// One token is earned every `per / rate`, rounded up.
    every: Duration,
    bucket: Mutex<Bucket>,
}

struct Bucket {
    tokens: u64,
    /// Tokens are earned up to this instant.
    earned_until: Instant,
    /// The ticket the next caller gets, and the first not yet served.
    next_ticket: u64,
    serving: u64,
    /// Tickets of callers that left the line before their turn.
    left: BTreeSet<u64>,
}

impl RateLimiter {
    /// A rate of zero would make every wait infinite; `NonZeroU32` rules it
    /// out.
    fn new(rate: NonZeroU32, per: Duration) -> Self {
        let burst = u64::from(rate.get());
        // Rounded up, to a whole nanosecond: at three a second, 333_333_333
        // ns would let a sixth call go 999_999_999 ns after the first, where
        // a bucket of three allows five. No larger than `per`, so it fits.
        let every = Duration::from_nanos_u128(per.as_nanos().div_ceil(u128::from(rate.get())));
        Self {
            burst,
            // At least a nanosecond, so that no wait is zero.
            every: every.max(Duration::from_nanos(1)),
            bucket: Mutex::new(Bucket {
                tokens: burst,
                earned_until: Instant::now(),
                next_ticket: 0,
                serving: 0,
                left: BTreeSet::new(),
            }),
        }
    }

    /// Waits for this caller's turn and its token.
    async fn acquire(&self) {
        let ticket = {
            let mut bucket = self.bucket();
            bucket.next_ticket += 1;
            bucket.next_ticket - 1
        };
        let mut in_line = InLine {
            limiter: self,
            ticket,
            served: false,
        };
        loop {
            let next_token = {
                let mut bucket = self.bucket();
                self.serve(&mut bucket);
                if bucket.serving > ticket {
                    in_line.served = true;
                    return;
                }
                // Tokio's `sleep` caps a huge wait at about 30 years.
                self.every
                    .saturating_sub(Instant::now() - bucket.earned_until)
            };
            sleep(next_token).await;
        }
    }

    /// Adds the tokens earned since the last call, up to a full bucket, and
    /// hands them to the callers in line, in ticket order.
    fn serve(&self, bucket: &mut Bucket) {
        let now = Instant::now();
        let earned = (now - bucket.earned_until).as_nanos() / self.every.as_nanos();
        let room = self.burst - bucket.tokens;
        match u32::try_from(earned) {
            Ok(earned) if u64::from(earned) < room => {
                bucket.tokens += u64::from(earned);
                bucket.earned_until += self.every * earned;
            }
            // A full bucket earns nothing more until a token is taken.
            _ => {
                bucket.tokens = self.burst;
                bucket.earned_until = now;
            }
        }
        while bucket.serving < bucket.next_ticket {
            if bucket.left.remove(&bucket.serving) {
                // Skipped: the callers behind move up.
            } else if bucket.tokens > 0 {
                bucket.tokens -= 1;
            } else {
                break;
            }
            bucket.serving += 1;
        }
    }

    fn bucket(&self) -> MutexGuard<'_, Bucket> {
        // Nothing panics while the lock is held: a poisoned bucket is whole.
        self.bucket.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A caller's place in line: dropped before its turn (a timeout around
/// `acquire`), it leaves the line and the callers behind it move up.
struct InLine<'a> {
    limiter: &'a RateLimiter,
    ticket: u64,
    served: bool,
}

impl Drop for InLine<'_> {
    fn drop(&mut self) {
        let mut bucket = self.limiter.bucket();
        // A turn that came while the caller was not being polled was spent.
        if !self.served && bucket.serving <= self.ticket {
            bucket.left.insert(self.ticket);
        }
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

    let calls = join_all((0..10).map(|i| make_api_call(&limiter, i, start))).await;
    println!(
        "Completed {} calls in {:.1}s",
        calls.len(),
        start.elapsed().as_secs_f64()
    );
}

#[cfg(test)]
mod tests {
    use std::pin::pin;
    use std::sync::Mutex;

    use futures::poll;
    use tokio::time::timeout;

    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    /// Whether the calls that started at `started` kept the limit of `rate`
    /// a `per` over every stretch of time, not only from the first: from any
    /// start to any later one, at most `rate` calls (a full bucket) plus the
    /// tokens the true rate earns between them, counted in whole
    /// nanoseconds, so no rounding hides a call too many. Exact only on a
    /// paused clock: on the real one, a caller is polled a little after its
    /// turn, and the next one may be polled on time.
    fn within_limit(mut started: Vec<Duration>, rate: NonZeroU32, per: Duration) -> bool {
        let rate = u128::from(rate.get());
        started.sort();
        started.iter().enumerate().all(|(i, first)| {
            started[i..].iter().enumerate().all(|(n, last)| {
                let earned = (*last - *first).as_nanos() * rate / per.as_nanos();
                let calls = n as u128 + 1;
                calls <= rate + earned
            })
        })
    }

    #[tokio::test(start_paused = true)]
    async fn the_demonstration_keeps_the_limit_over_every_stretch() {
        let limiter = RateLimiter::new(RATE, SECOND);
        let start = Instant::now();
        let started = join_all((0..10).map(|i| make_api_call(&limiter, i, start))).await;
        assert!(within_limit(started.clone(), RATE, SECOND), "{started:?}");
    }

    /// A third of a second is no whole number of nanoseconds: a token
    /// earned every 333,333,333 ns would let a sixth call go 999,999,999 ns
    /// after the first, where a bucket of three allows five. Tokio's timer
    /// counts whole milliseconds, so a caller that sleeps for its token
    /// wakes too late to show it: these arrive when a token would be due,
    /// and find it earned.
    #[tokio::test(start_paused = true)]
    async fn a_rate_that_does_not_divide_the_period_keeps_the_true_rate() {
        let three = NonZeroU32::new(3).unwrap();
        let limiter = RateLimiter::new(three, SECOND);
        let start = Instant::now();
        let mut started = Vec::new();
        for nanos in [0, 0, 0, 333_333_333, 666_666_666, 999_999_999] {
            let arrival = start + Duration::from_nanos(nanos);
            if let Some(wait) = arrival.checked_duration_since(Instant::now()) {
                tokio::time::advance(wait).await;
            }
            limiter.acquire().await;
            started.push(start.elapsed());
        }
        assert!(within_limit(started.clone(), three, SECOND), "{started:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_period_of_any_length_makes_callers_wait_without_panicking() {
        let limiter = RateLimiter::new(NonZeroU32::MIN, Duration::MAX);
        limiter.acquire().await;
        let second = timeout(Duration::from_secs(3600), limiter.acquire()).await;
        assert!(second.is_err(), "a second token within the period");
    }

    #[tokio::test(start_paused = true)]
    async fn callers_that_give_up_leave_no_debt() {
        let limiter = RateLimiter::new(NonZeroU32::MIN, SECOND);
        limiter.acquire().await;
        for _ in 0..10 {
            let gave_up = timeout(Duration::from_millis(10), limiter.acquire()).await;
            assert!(gave_up.is_err());
        }
        let start = Instant::now();
        limiter.acquire().await;
        assert!(start.elapsed() <= SECOND, "waited {:?}", start.elapsed());
    }

    /// One token a second, and ten callers in line behind the first. The
    /// first five of them give up 10 ms before their turn, and a new caller
    /// arrives at each of those instants: however the line moves, no stretch
    /// of time sees more calls than the bucket allows, and no token is
    /// wasted on a caller who left.
    #[tokio::test(start_paused = true)]
    async fn callers_that_give_up_in_line_keep_the_limit() {
        let limiter = RateLimiter::new(NonZeroU32::MIN, SECOND);
        let start = Instant::now();
        let started = Mutex::new(Vec::new());
        let call = async || {
            limiter.acquire().await;
            started.lock().unwrap().push(start.elapsed());
        };
        call().await;
        join_all((1..=10).map(async |turn| {
            if turn <= 5 {
                let patience = SECOND * turn - Duration::from_millis(10);
                if timeout(patience, limiter.acquire()).await.is_ok() {
                    started.lock().unwrap().push(start.elapsed());
                    return;
                }
            }
            call().await;
        }))
        .await;
        let started = started.into_inner().unwrap();
        assert!(
            within_limit(started.clone(), NonZeroU32::MIN, SECOND),
            "{started:?}"
        );
        assert_eq!(started.iter().max(), Some(&(SECOND * 10)), "{started:?}");
    }

    /// A turn that came while its caller was held is spent: dropping that
    /// caller later gives back nothing that would make a bigger burst.
    #[tokio::test(start_paused = true)]
    async fn a_turn_spent_on_a_held_caller_is_not_given_back() {
        let limiter = RateLimiter::new(NonZeroU32::MIN, SECOND);
        limiter.acquire().await;
        // Boxed, so that it can be dropped before the end of the test.
        let mut held = Box::pin(limiter.acquire());
        assert!(poll!(held.as_mut()).is_pending());
        // This caller hands the token of 1 s to `held`, first in line.
        limiter.acquire().await;
        sleep(SECOND * 5).await;
        limiter.acquire().await;
        drop(held);
        let burst = join_all((0..2).map(|_| timeout(SECOND / 2, limiter.acquire()))).await;
        assert_eq!(
            burst.iter().filter(|token| token.is_ok()).count(),
            0,
            "a burst of two"
        );
    }

    /// A caller polled once and then neither polled nor dropped (a branch
    /// of a `select!` that stopped polling it) takes its turn's token, and
    /// holds up nobody behind it.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_holds_up_no_one() {
        let limiter = RateLimiter::new(NonZeroU32::MIN, SECOND);
        limiter.acquire().await;
        let mut held = pin!(limiter.acquire());
        assert!(poll!(held.as_mut()).is_pending());
        // The held caller's token comes at 1 s; the three behind it at 2, 3
        // and 4 s.
        let others = join_all((0..3).map(|_| limiter.acquire()));
        timeout(SECOND * 4 + SECOND / 2, others)
            .await
            .expect("the others went on");
    }
}
