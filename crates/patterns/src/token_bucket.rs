//! The guide's token-bucket rate limiter, fixed so that concurrent callers
//! are limited too, and served in the order they came.
//!
//! The guide's `acquire` checks, then sleeps, then empties the bucket without
//! taking a token, so eight callers that find it empty all go through half a
//! second later: ten calls in 0.5 s from two a second. Here the bucket is a
//! Tokio `Semaphore` of `rate` permits, as in Tokio's own docs: a caller takes
//! a permit and forgets it, and a task earns one every `per / rate` while
//! the bucket has room. The semaphore is fair, so callers go in the order
//! they asked, and one that gives up leaves the line at once. What it gives
//! up: a permit goes to the caller first in line whether or not that caller
//! is polled, so a caller a `select!` holds past its turn calls when it is
//! next polled, on top of the bucket (the book's page "Rate limiting" says
//! how many).
//!
//! Translates:
//! - *Python Async Programming: A Detailed Guide*, "Rate-Limited API Calls"

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use tokio::sync::{Notify, Semaphore};
use tokio::time::{Instant, sleep, sleep_until};
use tokio_util::task::AbortOnDropHandle;

struct RateLimiter {
    tokens: Arc<Semaphore>,
    /// The most tokens the bucket holds: `rate`.
    burst: usize,
    /// Told when a token is taken or given back, as the task that earns
    /// them sleeps while the bucket is full.
    taken: Arc<Notify>,
    /// The task that earns tokens, stopped when the limiter is dropped.
    _earning: AbortOnDropHandle<()>,
}

#[derive(Debug, thiserror::Error)]
#[error("the rate limiter has stopped")]
pub struct Stopped;

impl RateLimiter {
    /// A rate of zero would make every wait infinite; `NonZeroU32` rules it
    /// out. It starts the task that earns tokens, so call it inside a Tokio
    /// runtime.
    fn new(rate: NonZeroU32, per: Duration) -> Self {
        let burst = usize::try_from(rate.get())
            .unwrap_or(usize::MAX)
            .min(Semaphore::MAX_PERMITS);
        // Rounded up, to a whole nanosecond: at three a second, 333_333_333
        // ns would let a sixth call go 999_999_999 ns after the first, where
        // a bucket of three allows five. At least a nanosecond, so that no
        // wait is zero.
        let every = Duration::from_nanos_u128(per.as_nanos().div_ceil(u128::from(rate.get())))
            .max(Duration::from_nanos(1));
        let tokens = Arc::new(Semaphore::new(burst));
        let taken = Arc::new(Notify::new());
        let bucket = ClosedWhenDropped(Arc::clone(&tokens));
        let earning = earn_tokens(bucket, Arc::clone(&taken), burst, every);
        Self {
            tokens,
            burst,
            taken,
            _earning: AbortOnDropHandle::new(tokio::spawn(earning)),
        }
    }

    /// Waits for this caller's token. Fails only once the task that earns
    /// them is gone: its runtime shut down.
    async fn acquire(&self) -> Result<(), Stopped> {
        let _taken = Taken(self);
        let token = self.tokens.acquire().await.map_err(|_| Stopped)?;
        // Spent, not given back when the call ends: only time earns tokens.
        token.forget();
        Ok(())
    }
}

/// Dropped when `acquire` ends, however it ends: after a token was taken,
/// or with its caller dropped, when a token it had been given has gone
/// back to the semaphore. Such a token goes back only into room in the
/// bucket, so that it makes no burst bigger than a full bucket.
struct Taken<'a>(&'a RateLimiter);

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        let RateLimiter { tokens, burst, .. } = self.0;
        no_more_than_full(tokens, *burst);
        self.0.taken.notify_one();
    }
}

/// Forgets the tokens past a full bucket. Both sides that add to the
/// semaphore call it after they add, a caller's token given back and the
/// task's earnings, so whichever adds last also trims.
fn no_more_than_full(tokens: &Semaphore, burst: usize) {
    if let Some(over) = tokens.available_permits().checked_sub(burst) {
        tokens.forget_permits(over);
    }
}

/// Earns a token every `every` while the bucket has room: none while it is
/// full, so the first after a token is taken from a full bucket is due a
/// whole interval later, as a bucket that fills continuously would have it.
///
/// However the task ends (the limiter dropped, or its runtime shut down),
/// even before its first poll, `bucket` closes, and callers still waiting
/// get `Stopped`, not a wait for ever.
async fn earn_tokens(bucket: ClosedWhenDropped, taken: Arc<Notify>, burst: usize, every: Duration) {
    let tokens = &bucket.0;
    let mut earned = Instant::now();
    loop {
        if tokens.available_permits() >= burst {
            taken.notified().await;
            earned = Instant::now();
            continue;
        }
        // A period too long for `Instant` to hold earns no more tokens.
        let Some(due) = earned.checked_add(every) else {
            return std::future::pending().await;
        };
        sleep_until(due).await;
        // Every token earned since, not only the one due: Tokio's timer
        // counts whole milliseconds, so above a thousand a second, or on a
        // runtime too busy to wake this task on time, one wake-up is owed
        // several. Up to the room left: a caller dropped with a token it was
        // given may have given it back meanwhile.
        let now = Instant::now();
        let owed = (now - earned).as_nanos() / every.as_nanos();
        let room = burst.saturating_sub(tokens.available_permits());
        match usize::try_from(owed) {
            Ok(owed) if owed < room => {
                // The part of an interval past the last token counts
                // towards the next.
                earned += Duration::from_nanos_u128(every.as_nanos() * owed as u128);
                tokens.add_permits(owed);
            }
            // A full bucket earns nothing more until a token is taken.
            _ => {
                earned = now;
                tokens.add_permits(room);
            }
        }
        no_more_than_full(tokens, burst);
    }
}

struct ClosedWhenDropped(Arc<Semaphore>);

impl Drop for ClosedWhenDropped {
    fn drop(&mut self) {
        self.0.close();
    }
}

async fn make_api_call(
    limiter: &RateLimiter,
    call_id: u32,
    start: Instant,
) -> Result<Duration, Stopped> {
    limiter.acquire().await?;
    let started = start.elapsed();
    println!("[{:.1}s] Making API call {call_id}", started.as_secs_f64());
    sleep(Duration::from_millis(500)).await;
    Ok(started)
}

/// Allow 2 requests per second. (Checked at compile time: a constant.)
const RATE: NonZeroU32 = NonZeroU32::new(2).expect("a rate above zero");

pub async fn run() -> Result<(), Stopped> {
    let limiter = RateLimiter::new(RATE, Duration::from_secs(1));
    let start = Instant::now();

    let calls = join_all((0..10).map(|i| make_api_call(&limiter, i, start))).await;
    let calls = calls.into_iter().collect::<Result<Vec<_>, _>>()?;
    println!(
        "Completed {} calls in {:.1}s",
        calls.len(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::future::{Future, poll_fn};
    use std::pin::pin;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    use futures::poll;
    use tokio::sync::mpsc;
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
        let started: Vec<_> = started.into_iter().map(Result::unwrap).collect();
        assert!(within_limit(started.clone(), RATE, SECOND), "{started:?}");
    }

    /// A third of a second is no whole number of nanoseconds: a token
    /// earned every 333,333,333 ns would let a sixth call go 999,999,999 ns
    /// after the first, where a bucket of three allows five.
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
            limiter.acquire().await.unwrap();
            started.push(start.elapsed());
        }
        assert!(within_limit(started.clone(), three, SECOND), "{started:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_period_of_any_length_makes_callers_wait_without_panicking() {
        let limiter = RateLimiter::new(NonZeroU32::MIN, Duration::MAX);
        limiter.acquire().await.unwrap();
        let second = timeout(Duration::from_secs(3600), limiter.acquire()).await;
        assert!(second.is_err(), "a second token within the period");
    }

    #[tokio::test(start_paused = true)]
    async fn callers_that_give_up_leave_no_debt() {
        let limiter = RateLimiter::new(NonZeroU32::MIN, SECOND);
        limiter.acquire().await.unwrap();
        for _ in 0..10 {
            let gave_up = timeout(Duration::from_millis(10), limiter.acquire()).await;
            assert!(gave_up.is_err());
        }
        let start = Instant::now();
        limiter.acquire().await.unwrap();
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
            limiter.acquire().await.unwrap();
            started.lock().unwrap().push(start.elapsed());
        };
        call().await;
        join_all((1..=10).map(async |turn| {
            if turn <= 5 {
                let patience = SECOND * turn - Duration::from_millis(10);
                if let Ok(token) = timeout(patience, limiter.acquire()).await {
                    token.unwrap();
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

    /// A caller polled once and then neither polled nor dropped (a branch
    /// of a `select!` that stopped polling it) takes its turn's token, and
    /// holds up nobody behind it.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_holds_up_no_one() {
        let limiter = RateLimiter::new(NonZeroU32::MIN, SECOND);
        limiter.acquire().await.unwrap();
        let mut held = pin!(limiter.acquire());
        assert!(poll!(held.as_mut()).is_pending());
        // The held caller's token comes at 1 s; the three behind it at 2, 3
        // and 4 s.
        let others = join_all((0..3).map(|_| limiter.acquire()));
        timeout(SECOND * 4 + SECOND / 2, others)
            .await
            .expect("the others went on");
    }

    /// The most calls made at any one instant.
    fn most_at_one_instant(calls: &[Instant]) -> usize {
        calls
            .iter()
            .map(|at| calls.iter().filter(|other| *other == at).count())
            .max()
            .unwrap_or(0)
    }

    /// The trade the header states, as a number: one token a second, ten
    /// callers held while their turns come and go, then polled again at
    /// once beside a fresh caller. Each held caller calls on the token it
    /// was given, and the fresh one on the refilled bucket's: eleven calls
    /// at one instant, the bucket plus one per held caller, and no more.
    #[tokio::test(start_paused = true)]
    async fn callers_held_past_their_turns_call_on_top_of_the_bucket() {
        let limiter = RateLimiter::new(NonZeroU32::MIN, SECOND);
        limiter.acquire().await.unwrap();
        let mut held: Vec<_> = (0..10).map(|_| Box::pin(limiter.acquire())).collect();
        for caller in &mut held {
            assert!(poll!(caller.as_mut()).is_pending());
        }
        sleep(SECOND * 20).await;
        let callers = held.into_iter().chain([Box::pin(limiter.acquire())]);
        let calls = join_all(callers.map(async |caller| {
            caller.await.unwrap();
            Instant::now()
        }))
        .await;
        assert_eq!(most_at_one_instant(&calls), 10 + 1, "{calls:?}");
        let next = timeout(SECOND / 2, limiter.acquire()).await;
        assert!(next.is_err(), "a twelfth call within the second");
    }

    /// A held caller dropped after its token came gives the token back, as
    /// a dropped `Acquire` does; it goes back only into room in the bucket.
    /// Here the bucket has refilled meanwhile, so it is lost, and a burst
    /// right after the drop finds one token, a full bucket.
    #[tokio::test(start_paused = true)]
    async fn a_token_given_back_never_overfills_the_bucket() {
        let limiter = RateLimiter::new(NonZeroU32::MIN, SECOND);
        limiter.acquire().await.unwrap();
        let mut held = Box::pin(limiter.acquire());
        assert!(poll!(held.as_mut()).is_pending());
        // The token of 1 s goes to `held`, first in line; by 2 s the bucket
        // is full again.
        sleep(SECOND * 2 + SECOND / 2).await;
        drop(held);
        let burst = join_all((0..2).map(|_| timeout(SECOND / 4, limiter.acquire()))).await;
        let calls = burst.iter().filter(|token| token.is_ok()).count();
        assert_eq!(calls, 1, "a full bucket is one token");
    }

    /// Given back while the task sleeps for the next token, it fills the
    /// room that token was due for: at 2 s the task finds the bucket full
    /// and adds none, so a burst then finds one token, not two.
    #[tokio::test(start_paused = true)]
    async fn a_token_given_back_before_the_next_is_earned_takes_its_place() {
        let limiter = RateLimiter::new(NonZeroU32::MIN, SECOND);
        limiter.acquire().await.unwrap();
        let mut held = Box::pin(limiter.acquire());
        assert!(poll!(held.as_mut()).is_pending());
        sleep(SECOND + SECOND / 4).await;
        // `held` was given the token of 1 s; the next is due at 2 s.
        drop(held);
        sleep(SECOND + SECOND / 4).await;
        let burst = join_all((0..2).map(|_| timeout(SECOND / 4, limiter.acquire()))).await;
        let calls = burst.iter().filter(|token| token.is_ok()).count();
        assert_eq!(calls, 1, "a full bucket is one token");
    }

    /// Tokio's timer wakes the task once a millisecond at most: at 2,000 a
    /// second it is owed two tokens each time, and earns both. A caller in
    /// a loop makes the bucket's 2,000 calls at once and 2,000 more within
    /// the second.
    #[tokio::test(start_paused = true)]
    async fn a_rate_above_a_thousand_a_second_is_kept() {
        let rate = NonZeroU32::new(2000).unwrap();
        let limiter = RateLimiter::new(rate, SECOND);
        let start = Instant::now();
        let mut started = Vec::new();
        loop {
            limiter.acquire().await.unwrap();
            if start.elapsed() > SECOND {
                break;
            }
            started.push(start.elapsed());
        }
        assert_eq!(started.len(), 4000);
        assert!(within_limit(started, rate, SECOND));
    }

    /// Into room, it is given back: dropped while the bucket is empty, the
    /// next caller takes it at once, where it would wait for the next
    /// token, and calls late, as the held one would have: at 1.25 s, and the
    /// caller after it at 2 s, two calls within a second.
    #[tokio::test(start_paused = true)]
    async fn a_token_given_back_into_room_goes_to_the_next_caller() {
        let limiter = RateLimiter::new(NonZeroU32::MIN, SECOND);
        let start = Instant::now();
        limiter.acquire().await.unwrap();
        let mut held = Box::pin(limiter.acquire());
        assert!(poll!(held.as_mut()).is_pending());
        sleep(SECOND + SECOND / 4).await;
        // `held` was given the token of 1 s; the next is due at 2 s.
        drop(held);
        limiter.acquire().await.unwrap();
        let given_back = start.elapsed();
        limiter.acquire().await.unwrap();
        let next = start.elapsed();
        assert_eq!((given_back, next), (SECOND * 5 / 4, SECOND * 2));
    }

    /// The reason for the design: a runtime too busy to poll a woken
    /// caller on time still gets its calls through. Eighty neighbour tasks
    /// each hold the thread 1 ms between yields, so a caller is polled about
    /// every 80 ms, eight tokens later at one every 10 ms; it still makes
    /// each of its calls, on the first token there when it is polled. On
    /// the real clock, where a blocked thread delays every timer.
    #[test]
    fn a_caller_polled_late_every_time_still_calls() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        runtime.block_on(async {
            let _busy: Vec<_> = (0..80)
                .map(|_| {
                    AbortOnDropHandle::new(tokio::spawn(async {
                        loop {
                            let busy = std::time::Instant::now();
                            while busy.elapsed() < Duration::from_millis(1) {
                                std::hint::spin_loop();
                            }
                            tokio::task::yield_now().await;
                        }
                    }))
                })
                .collect();
            let limiter = RateLimiter::new(NonZeroU32::MIN, Duration::from_millis(10));
            // A task, queued behind the neighbours as they are; `block_on`'s
            // own future would be polled first.
            let calls = tokio::spawn(async move {
                for _ in 0..10 {
                    limiter.acquire().await.unwrap();
                }
            });
            timeout(SECOND * 30, AbortOnDropHandle::new(calls))
                .await
                .expect("ten calls beside busy neighbours")
                .unwrap();
        });
    }

    /// Twenty tasks call in a loop, one token every 10 ms, for five
    /// seconds: each gets its turn in order, so their counts differ by two
    /// at most (a turn, and the full bucket the first one found), where a
    /// limiter that lets the first polled through can give one of them none.
    #[tokio::test(start_paused = true)]
    async fn a_looping_caller_does_not_starve_another() {
        let limiter = Arc::new(RateLimiter::new(NonZeroU32::MIN, Duration::from_millis(10)));
        let calls: Vec<_> = (0..20).map(|_| Arc::new(AtomicUsize::new(0))).collect();
        let _looping: Vec<_> = calls
            .iter()
            .map(|calls| {
                let (limiter, calls) = (Arc::clone(&limiter), Arc::clone(calls));
                AbortOnDropHandle::new(tokio::spawn(async move {
                    loop {
                        limiter.acquire().await.unwrap();
                        calls.fetch_add(1, Ordering::Relaxed);
                    }
                }))
            })
            .collect();
        sleep(SECOND * 5).await;
        let counts: Vec<_> = calls
            .iter()
            .map(|calls| calls.load(Ordering::Relaxed))
            .collect();
        let (fewest, most) = (counts.iter().min(), counts.iter().max());
        assert!(
            fewest
                .zip(most)
                .is_some_and(|(fewest, most)| most - fewest <= 2),
            "{counts:?}"
        );
    }

    /// Six callers, each in line before the next (polled once, then left to
    /// a task of its own), and tokens added by hand, one at a time: which
    /// caller each token let through, in order. A limiter that earns no
    /// token of its own, so that no timer races the hand.
    async fn the_order_tokens_go_in() -> Vec<usize> {
        let limiter = Arc::new(RateLimiter::new(NonZeroU32::MIN, Duration::MAX));
        limiter.acquire().await.unwrap();
        let (went, mut order) = mpsc::unbounded_channel();
        let mut callers = Vec::new();
        for caller in 0..6 {
            let (limiter, went) = (Arc::clone(&limiter), went.clone());
            let mut queued = Box::pin(async move {
                limiter.acquire().await.unwrap();
                went.send(caller).unwrap();
            });
            assert!(poll!(queued.as_mut()).is_pending());
            callers.push(AbortOnDropHandle::new(tokio::spawn(queued)));
        }
        let mut served = Vec::new();
        for _ in 0..6 {
            limiter.tokens.add_permits(1);
            served.push(order.recv().await.unwrap());
        }
        served
    }

    #[tokio::test(start_paused = true)]
    async fn the_longest_waiter_gets_the_next_token_fifo() {
        for _ in 0..40 {
            assert_eq!(the_order_tokens_go_in().await, [0, 1, 2, 3, 4, 5]);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_longest_waiter_gets_the_next_token_fifo_on_the_multi_thread_runtime() {
        for _ in 0..40 {
            assert_eq!(the_order_tokens_go_in().await, [0, 1, 2, 3, 4, 5]);
        }
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

    /// `callers` wait for a token each, a hundred a second: the polls of
    /// their `acquire`s, per token handed out.
    async fn polls_per_token(callers: usize) -> f64 {
        let limiter = Arc::new(RateLimiter::new(NonZeroU32::MIN, Duration::from_millis(10)));
        limiter.acquire().await.unwrap();
        let polls = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..callers)
            .map(|_| {
                let (limiter, polls) = (Arc::clone(&limiter), Arc::clone(&polls));
                let call = async move { limiter.acquire().await.unwrap() };
                AbortOnDropHandle::new(tokio::spawn(counting_polls(polls, call)))
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        polls.load(Ordering::Relaxed) as f64 / callers as f64
    }

    #[tokio::test(start_paused = true)]
    async fn polls_per_token_stay_bounded_as_waiters_grow() {
        let mut per_token = Vec::new();
        for callers in [10, 100, 1000] {
            per_token.push(polls_per_token(callers).await);
        }
        assert!(per_token.iter().all(|&polls| polls <= 2.0), "{per_token:?}");
    }

    /// The task that earns tokens goes with its runtime: a caller then gets
    /// an error, and dropping the limiter outside any runtime is no panic.
    #[test]
    fn a_limiter_outliving_its_runtime_says_it_stopped() {
        let runtime = || {
            tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .unwrap()
        };
        let first = runtime();
        let limiter = first.block_on(async {
            let limiter = RateLimiter::new(NonZeroU32::MIN, SECOND);
            limiter.acquire().await.unwrap();
            limiter
        });
        drop(first);
        assert!(runtime().block_on(limiter.acquire()).is_err());
        drop(limiter);
    }

    /// Seventy callers wait, then sixty-four are held (polled once, then
    /// neither polled nor dropped, as a `select!` over `&mut fut` holds
    /// one): a fresh caller is still served, one turn a second after
    /// those ahead of it, not when the held ones are dropped.
    #[tokio::test(start_paused = true)]
    async fn a_fresh_caller_is_served_however_many_callers_are_held() {
        let limiter = Arc::new(RateLimiter::new(NonZeroU32::MIN, SECOND));
        limiter.acquire().await.unwrap();
        let mut waiting = Vec::new();
        for _ in 0..70 {
            let limiter = Arc::clone(&limiter);
            // Polled once here, so that all seventy are in line before the
            // held ones; then left to their own tasks.
            let mut call = Box::pin(async move { limiter.acquire().await.unwrap() });
            assert!(poll!(call.as_mut()).is_pending());
            waiting.push(AbortOnDropHandle::new(tokio::spawn(call)));
        }
        let mut held: Vec<_> = (0..64).map(|_| Box::pin(limiter.acquire())).collect();
        for caller in &mut held {
            assert!(poll!(caller.as_mut()).is_pending());
        }
        timeout(SECOND * 300, limiter.acquire())
            .await
            .expect("the held callers held up a fresh one")
            .unwrap();
    }

    /// A `per` of zero still lets calls through: a token is due every
    /// nanosecond, and the task refills the bucket each time it runs. On
    /// the real clock.
    #[tokio::test]
    async fn a_zero_per_lets_calls_through() {
        let limiter = RateLimiter::new(NonZeroU32::MIN, Duration::ZERO);
        timeout(SECOND * 10, async {
            for _ in 0..100 {
                limiter.acquire().await.unwrap();
            }
        })
        .await
        .expect("100 calls went through");
    }
}
