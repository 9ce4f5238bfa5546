//! The guide's token-bucket rate limiter, fixed so that concurrent callers
//! are limited too, and served in the order they came.
//!
//! The guide's `acquire` checks, then sleeps, then empties the bucket without
//! taking a token, so eight callers that find it empty all go through half a
//! second later: ten calls in 0.5 s from two a second. Here one task owns the
//! bucket (`rate` tokens, one earned every `per / rate`) and hands the
//! callers their tokens in the order they asked, a design the book's page
//! "Rate limiting" explains. A token not used within its interval (50 ms at
//! the least) lapses, and its caller asks again: however many callers a
//! `select!` holds past their turns, no instant sees more calls than a full
//! bucket, two (same page).
//!
//! Translates:
//! - *Python Async Programming: A Detailed Guide*, "Rate-Limited API Calls"

use std::collections::VecDeque;
use std::num::NonZeroU32;
use std::pin::pin;
use std::time::Duration;

use futures::future::join_all;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, sleep};
use tokio_util::task::AbortOnDropHandle;

/// A turn's shortest life: a caller polled this late still calls on it.
/// An interval of 1 ms (1,000 turns a second) or none would lapse before
/// nearly every caller is polled (the book's page "Rate limiting").
const SHORTEST_LAPSE: Duration = Duration::from_millis(50);

/// A caller waiting for its token: told when it was handed out.
type Waiting = oneshot::Sender<Instant>;

struct RateLimiter {
    /// Unbounded: a bounded channel gives a freed place to a sender that
    /// waits for one whether or not it is polled, so callers held while they
    /// wait for room would close the line to everyone behind them.
    line: mpsc::UnboundedSender<Waiting>,
    /// How long a token stays good: the interval at which one is earned, or
    /// `SHORTEST_LAPSE`.
    lapse: Duration,
    /// The task that owns the bucket, stopped when the limiter is dropped.
    _bucket: AbortOnDropHandle<()>,
}

#[derive(Debug, thiserror::Error)]
#[error("the rate limiter has stopped")]
pub struct Stopped;

impl RateLimiter {
    /// A rate of zero would make every wait infinite; `NonZeroU32` rules it
    /// out. It starts the bucket's task, so call it inside a Tokio runtime.
    fn new(rate: NonZeroU32, per: Duration) -> Self {
        let (line, waiting) = mpsc::unbounded_channel();
        let bucket = Bucket::new(rate, per);
        let lapse = bucket.every.max(SHORTEST_LAPSE);
        let bucket =
            tokio::spawn(async move { hand_out_tokens(&mut Line::new(waiting), bucket).await });
        Self {
            line,
            lapse,
            _bucket: AbortOnDropHandle::new(bucket),
        }
    }

    /// Waits for this caller's token, and returns when it was handed out.
    /// Fails only once the bucket's task is gone: its runtime shut down.
    async fn acquire(&self) -> Result<Instant, Stopped> {
        loop {
            let (waiting, token) = oneshot::channel();
            self.line.send(waiting).map_err(|_| Stopped)?;
            let handed_out = token.await.map_err(|_| Stopped)?;
            // The token was spent when it was handed out. A caller polled
            // only a lapse or more later (held in a `select!`, or on a
            // runtime that busy) would call beside the callers whose tokens
            // came since: it asks again instead, at the back of the line.
            if handed_out.elapsed() < self.lapse {
                return Ok(handed_out);
            }
        }
    }
}

/// The bucket's task: hands each caller in line a token, when one is there.
async fn hand_out_tokens(line: &mut Line, mut bucket: Bucket) {
    while let Some(caller) = line.next().await {
        while let Some(wait) = bucket.time_to_next_token() {
            // Tokio's `sleep` caps a huge wait at about 30 years.
            line.meanwhile(sleep(wait)).await;
        }
        // Sending on a oneshot never waits. A caller that gave up has
        // dropped its receiver, and its token goes to the next one.
        if caller.send(Instant::now()).is_ok() {
            bucket.tokens -= 1;
        }
    }
}

/// The callers in line. The task takes them off the channel as they come,
/// while it waits for a token too, so that it can drop those that gave up:
/// however many do, the line grows to at most twice the callers waiting when
/// it last dropped some, or `KEPT_AT_LEAST` since it was last empty, where
/// the channel would keep each until its turn.
struct Line {
    channel: mpsc::UnboundedReceiver<Waiting>,
    taken: VecDeque<Waiting>,
    /// The length at which those that gave up are next dropped.
    prune_at: usize,
}

const KEPT_AT_LEAST: usize = 64;

impl Line {
    fn new(channel: mpsc::UnboundedReceiver<Waiting>) -> Self {
        Self {
            channel,
            taken: VecDeque::new(),
            prune_at: KEPT_AT_LEAST,
        }
    }

    /// The longest-waiting caller that has not given up; `None` once the
    /// limiter is gone.
    async fn next(&mut self) -> Option<Waiting> {
        while let Some(caller) = self.taken.pop_front() {
            // A caller taken off the channel comes without the channel's
            // yield to the scheduler: without this, a burst of turns would
            // be handed out in one poll, faster than their callers are
            // polled, and lapse.
            tokio::task::consume_budget().await;
            if !caller.is_closed() {
                return Some(caller);
            }
        }
        self.prune_at = KEPT_AT_LEAST;
        loop {
            let caller = self.channel.recv().await?;
            if !caller.is_closed() {
                return Some(caller);
            }
        }
    }

    /// Waits for `wait`, taking the callers that come meanwhile.
    async fn meanwhile<F: Future>(&mut self, wait: F) -> F::Output {
        let mut wait = pin!(wait);
        loop {
            tokio::select! {
                output = &mut wait => return output,
                Some(caller) = self.channel.recv() => self.push(caller),
            }
        }
    }

    fn push(&mut self, caller: Waiting) {
        self.taken.push_back(caller);
        if self.taken.len() >= self.prune_at {
            self.taken.retain(|caller| !caller.is_closed());
            self.prune_at = (2 * self.taken.len()).max(KEPT_AT_LEAST);
        }
    }
}

struct Bucket {
    /// The most tokens the bucket holds: `rate`.
    burst: u64,
    /// One token is earned every `per / rate`, rounded up.
    every: Duration,
    tokens: u64,
    /// Tokens are earned up to this instant.
    earned_until: Instant,
}

impl Bucket {
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
            tokens: burst,
            earned_until: Instant::now(),
        }
    }

    /// Adds the tokens earned since the last look, up to a full bucket; then
    /// `None` if there is one to take, or how long until the next is earned.
    fn time_to_next_token(&mut self) -> Option<Duration> {
        let now = Instant::now();
        let earned = (now - self.earned_until).as_nanos() / self.every.as_nanos();
        let room = self.burst - self.tokens;
        match u32::try_from(earned) {
            Ok(earned) if u64::from(earned) < room => {
                self.tokens += u64::from(earned);
                self.earned_until += self.every * earned;
            }
            // A full bucket earns nothing more until a token is taken.
            _ => {
                self.tokens = self.burst;
                self.earned_until = now;
            }
        }
        if self.tokens > 0 {
            return None;
        }
        Some(self.every.saturating_sub(now - self.earned_until))
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
    use std::task::Poll;

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
        let started: Vec<_> = started.into_iter().map(Result::unwrap).collect();
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

    /// A turn that came while its caller was held is spent: dropping that
    /// caller later gives back nothing that would make a bigger burst.
    #[tokio::test(start_paused = true)]
    async fn a_turn_spent_on_a_held_caller_is_not_given_back() {
        let limiter = RateLimiter::new(NonZeroU32::MIN, SECOND);
        limiter.acquire().await.unwrap();
        // Boxed, so that it can be dropped before the end of the test.
        let mut held = Box::pin(limiter.acquire());
        assert!(poll!(held.as_mut()).is_pending());
        // This caller hands the token of 1 s to `held`, first in line.
        limiter.acquire().await.unwrap();
        sleep(SECOND * 5).await;
        limiter.acquire().await.unwrap();
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

    /// One call a second. A held caller's turn comes at 1 s while it is not
    /// polled, and is spent; polled again at 2 s, the instant of the next
    /// caller's turn, it finds its own lapsed and asks again: it calls at 3 s.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_whose_turn_lapsed_asks_again() {
        let limiter = RateLimiter::new(NonZeroU32::MIN, SECOND);
        let start = limiter.acquire().await.unwrap();
        let mut held = pin!(limiter.acquire());
        assert!(poll!(held.as_mut()).is_pending());
        // Bounded: a limiter that waited for the held caller would hang here.
        timeout(SECOND * 3, limiter.acquire())
            .await
            .expect("the next caller's turn did not wait for the held one")
            .unwrap();
        let next_calls = Instant::now() - start;
        let held_turn = held.await.unwrap() - start;
        let held_calls = Instant::now() - start;
        assert_eq!(
            (next_calls, held_turn, held_calls),
            (SECOND * 2, SECOND * 3, SECOND * 3)
        );
    }

    /// A task that calls in a loop, ten times a second, and one other
    /// caller: each of its five calls gets the next turn.
    #[tokio::test(start_paused = true)]
    async fn a_looping_caller_does_not_starve_another() {
        let period = Duration::from_millis(100);
        let limiter = Arc::new(RateLimiter::new(NonZeroU32::MIN, period));
        let _looping = AbortOnDropHandle::new(tokio::spawn({
            let limiter = Arc::clone(&limiter);
            async move {
                loop {
                    limiter.acquire().await.unwrap();
                }
            }
        }));
        tokio::task::yield_now().await;
        let mut starved = 0;
        for _ in 0..5 {
            // The looping task's call is in line first: two turns, and a
            // third to spare.
            if timeout(period * 3, limiter.acquire()).await.is_err() {
                starved += 1;
            }
        }
        assert_eq!(starved, 0, "{starved} of 5 calls starved");
    }

    /// Five callers queue in turn behind the first, then a sixth arrives:
    /// whether each got its token after the one before it.
    async fn served_in_order(limiter: &Arc<RateLimiter>) -> bool {
        limiter.acquire().await.unwrap();
        let mut callers = Vec::new();
        for _ in 0..6 {
            let limiter = Arc::clone(limiter);
            // Polled once here, so that it is in line before the next. On
            // a busy machine the limit may have let it through by then.
            let mut queued = Box::pin(async move { limiter.acquire().await.unwrap() });
            let caller = match poll!(queued.as_mut()) {
                Poll::Ready(went) => tokio::spawn(std::future::ready(went)),
                Poll::Pending => tokio::spawn(queued),
            };
            callers.push(AbortOnDropHandle::new(caller));
        }
        let mut granted = Vec::new();
        for caller in callers {
            granted.push(caller.await.unwrap());
        }
        granted.is_sorted() && granted.windows(2).all(|pair| pair[0] != pair[1])
    }

    async fn runs_served_in_order() -> usize {
        let mut limiter = RateLimiter::new(NonZeroU32::MIN, Duration::from_millis(5));
        // No turn lapses here: this checks the line's order, and on a busy
        // machine a caller polled 50 ms after its turn would rightly ask again.
        limiter.lapse = Duration::MAX;
        let limiter = Arc::new(limiter);
        let mut in_order = 0;
        for _ in 0..40 {
            in_order += usize::from(served_in_order(&limiter).await);
        }
        in_order
    }

    #[tokio::test(start_paused = true)]
    async fn the_longest_waiter_gets_the_next_token_fifo() {
        assert_eq!(runs_served_in_order().await, 40);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_longest_waiter_gets_the_next_token_fifo_on_the_multi_thread_runtime() {
        assert_eq!(runs_served_in_order().await, 40);
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

    /// The bucket's task goes with its runtime: a caller then gets an
    /// error, and dropping the limiter outside any runtime is no panic.
    #[test]
    fn a_limiter_outliving_its_runtime_says_it_stopped() {
        let runtime = || {
            tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .unwrap()
        };
        let first = runtime();
        let limiter = first.block_on(async { RateLimiter::new(NonZeroU32::MIN, SECOND) });
        drop(first);
        assert!(runtime().block_on(limiter.acquire()).is_err());
        drop(limiter);
    }

    /// The most calls made at any one instant.
    fn most_at_one_instant(calls: &[Instant]) -> usize {
        calls
            .iter()
            .map(|at| calls.iter().filter(|other| *other == at).count())
            .max()
            .unwrap_or(0)
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

    /// One turn a second, and ten callers held while their turns come and
    /// go, then polled again at once beside a fresh caller: their turns
    /// have lapsed, so they ask again, and no instant sees two calls.
    #[tokio::test(start_paused = true)]
    async fn callers_held_past_their_turns_make_no_burst() {
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
        assert_eq!(most_at_one_instant(&calls), 1, "{calls:?}");
    }

    /// At 1,000 turns a second the interval is 1 ms, shorter than callers
    /// are often late: one polled 5 ms after its turn still calls on it,
    /// rather than spending a second token.
    #[tokio::test(start_paused = true)]
    async fn a_turn_outlives_a_short_interval() {
        let limiter = RateLimiter::new(NonZeroU32::new(1000).unwrap(), SECOND);
        let mut late = pin!(limiter.acquire());
        assert!(poll!(late.as_mut()).is_pending());
        let handed_out = Instant::now();
        // The limiter's task hands the turn out now, and the caller is
        // polled 5 ms later.
        tokio::task::yield_now().await;
        tokio::time::advance(Duration::from_millis(5)).await;
        assert_eq!(late.await.unwrap(), handed_out);
    }

    /// A `per` of zero limits nothing; without a shortest lapse, no call
    /// would go through, as every caller is polled after its turn. On the
    /// real clock, where that is so.
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

    /// The callers that come while the task waits for a token, an hour
    /// away, are taken off the channel, and those that gave up are dropped:
    /// of 10,000, at most `KEPT_AT_LEAST` stay, and a caller behind them
    /// keeps its place.
    #[tokio::test(start_paused = true)]
    async fn callers_that_gave_up_do_not_pile_up_in_line() {
        const HOUR: Duration = Duration::from_secs(3600);
        let (asking, channel) = mpsc::unbounded_channel();
        let mut line = Line::new(channel);
        let (first, first_turn) = oneshot::channel();
        let (second, _second_turn) = oneshot::channel();
        asking.send(first).unwrap();
        asking.send(second).unwrap();
        let (third, third_turn) = oneshot::channel();
        let give_ups = async {
            // The first took the hour's turn: the task waits for the next.
            first_turn.await.unwrap();
            for _ in 0..10_000 {
                let (waiting, gave_up) = oneshot::channel();
                drop(gave_up);
                asking.send(waiting).unwrap();
            }
            asking.send(third).unwrap();
            sleep(SECOND).await;
        };
        tokio::select! {
            () = hand_out_tokens(&mut line, Bucket::new(NonZeroU32::MIN, HOUR)) => unreachable!("the channel is open"),
            () = give_ups => {}
        }

        let kept = line.taken.len() + line.channel.len();
        assert!(kept <= KEPT_AT_LEAST, "{kept} kept");
        line.next().await.unwrap().send(Instant::now()).unwrap();
        third_turn.await.unwrap();
    }
}
