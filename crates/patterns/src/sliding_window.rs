//! The guide's sliding-window rate limiter, without its deadlock: at most
//! three turns to call in any two seconds.
//!
//! A caller's turn comes when fewer than `max_calls` came within the last
//! `time_window` (the guide calls it a token bucket). Its `acquire` retries
//! by calling itself while holding its `asyncio.Lock`, which is not
//! reentrant: the fourth call waits for a lock it holds, for ever. Here no
//! caller holds anything while it waits: one task owns the window and lets
//! the callers start in the order they asked (the book's page "Rate
//! limiting"). A turn not used within one window (50 ms at the least) lapses,
//! and its caller asks again: however many callers a `select!` holds past
//! their turns, no instant sees more than three calls, nor any two seconds
//! more than six (same page).
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Rate Limiting" (`AsyncRateLimiter`)

use std::collections::VecDeque;
use std::num::NonZeroUsize;
use std::pin::pin;
use std::time::Duration;

use futures::future::join_all;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, sleep};
use tokio_util::task::AbortOnDropHandle;

/// A caller waiting for room in the window: told when its call started.
type Waiting = oneshot::Sender<Instant>;

struct AsyncRateLimiter {
    /// Unbounded: a bounded channel gives a freed place to a sender that
    /// waits for one whether or not it is polled, so callers held while they
    /// wait for room would close the line to everyone behind them.
    line: mpsc::UnboundedSender<Waiting>,
    /// How long a turn stays good: one window.
    lapse: Duration,
    /// The task that owns the window, stopped when the limiter is dropped.
    _window: AbortOnDropHandle<()>,
}

/// A turn's shortest life: a caller polled this late still calls on it.
/// An interval of 1 ms (1,000 turns a second) or none would lapse before
/// nearly every caller is polled (the book's page "Rate limiting").
const SHORTEST_LAPSE: Duration = Duration::from_millis(50);

#[derive(Debug, thiserror::Error)]
#[error("the rate limiter has stopped")]
pub struct Stopped;

impl AsyncRateLimiter {
    /// `max_calls` is not zero: with no room at all, no call could ever
    /// start. It starts the window's task, so call it inside a Tokio runtime.
    fn new(max_calls: NonZeroUsize, time_window: Duration) -> Self {
        let (line, waiting) = mpsc::unbounded_channel();
        let window = tokio::spawn(async move {
            let_calls_start(&mut Line::new(waiting), max_calls, time_window).await;
        });
        Self {
            line,
            lapse: time_window.max(SHORTEST_LAPSE),
            _window: AbortOnDropHandle::new(window),
        }
    }

    /// Waits for this caller's turn and room in the window, and returns the
    /// start time it recorded. Fails only once the window's task is gone:
    /// its runtime shut down.
    async fn acquire(&self) -> Result<Instant, Stopped> {
        loop {
            let (waiting, started) = oneshot::channel();
            self.line.send(waiting).map_err(|_| Stopped)?;
            let started = started.await.map_err(|_| Stopped)?;
            // The window counted the turn when it gave it. A caller polled
            // only a window or more later (held in a `select!`, or on a
            // runtime that busy) would call beside the turns given since: it
            // asks again instead, at the back of the line.
            if started.elapsed() < self.lapse {
                return Ok(started);
            }
        }
    }
}

/// The window's task: lets each caller in line start once fewer than
/// `max_calls` calls started within the last `time_window`.
async fn let_calls_start(line: &mut Line, max_calls: NonZeroUsize, time_window: Duration) {
    // The start times of the last `max_calls` calls at most, oldest first.
    let mut calls = VecDeque::new();
    while let Some(caller) = line.next().await {
        // While the window is full, wait for its oldest call to leave it.
        while calls.len() >= max_calls.get()
            && let Some(&oldest) = calls.front()
        {
            let age = Instant::now() - oldest;
            if age >= time_window {
                calls.pop_front();
            } else {
                // A sleep for what is left, not `sleep_until(oldest +
                // window)`: adding a huge window to an `Instant` overflows.
                line.meanwhile(sleep(time_window - age)).await;
            }
        }
        let now = Instant::now();
        // Sending on a oneshot never waits. A caller that gave up has
        // dropped its receiver, and its place goes to the next one.
        if caller.send(now).is_ok() {
            calls.push_back(now);
        }
    }
}

/// The callers in line. The task takes them off the channel as they come,
/// while it waits for room in the window too, so that it can drop those that gave up:
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

async fn api_call(
    limiter: &AsyncRateLimiter,
    name: String,
    start: Instant,
) -> Result<(String, Duration), Stopped> {
    let started = limiter.acquire().await? - start;
    println!("[{:.1}s] Making API call {name}", started.as_secs_f64());
    sleep(Duration::from_millis(100)).await;
    Ok((format!("Result from {name}"), started))
}

/// Allow 3 calls per 2 seconds. (Checked at compile time: a constant.)
const MAX_CALLS: NonZeroUsize = NonZeroUsize::new(3).expect("room for at least one call");

pub async fn run() -> Result<(), Stopped> {
    let time_window = Duration::from_secs(2);
    let limiter = AsyncRateLimiter::new(MAX_CALLS, time_window);
    let start = Instant::now();

    let results = join_all((0..6).map(|i| api_call(&limiter, format!("call-{i}"), start))).await;
    let results = results.into_iter().collect::<Result<Vec<_>, _>>()?;
    for (result, _) in &results {
        println!("{result}");
    }

    // Any `max_calls + 1` consecutive starts span at least one window.
    let mut started: Vec<Duration> = results.iter().map(|(_, at)| *at).collect();
    started.sort();
    let max_calls = MAX_CALLS.get();
    for pair in started.windows(max_calls + 1) {
        assert!(pair[max_calls] - pair[0] >= time_window);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::future::{Future, poll_fn};
    use std::pin::pin;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Poll;

    use futures::poll;
    use tokio::time::timeout;

    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[tokio::test(start_paused = true)]
    async fn a_full_window_of_any_length_waits_without_panicking() {
        let limiter = AsyncRateLimiter::new(NonZeroUsize::MIN, Duration::MAX);
        limiter.acquire().await.unwrap();
        let second = timeout(Duration::from_secs(3600), limiter.acquire()).await;
        assert!(second.is_err(), "a second call started within the window");
    }

    /// One call a second. The caller first in line gives up: the one behind
    /// it takes its turn, at 1 s.
    #[tokio::test(start_paused = true)]
    async fn a_caller_that_gives_up_in_line_lets_the_next_move_up() {
        let limiter = AsyncRateLimiter::new(NonZeroUsize::MIN, SECOND);
        let start = limiter.acquire().await.unwrap();
        let gives_up = timeout(SECOND / 2, limiter.acquire());
        let (gave_up, next) = futures::join!(gives_up, limiter.acquire());
        assert!(gave_up.is_err());
        assert_eq!(next.unwrap() - start, SECOND);
    }

    /// A caller polled once and then neither polled nor dropped (a branch
    /// of a `select!` that stopped polling it) is let start in its turn,
    /// and holds up nobody behind it.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_holds_up_no_one() {
        let limiter = AsyncRateLimiter::new(NonZeroUsize::MIN, SECOND);
        limiter.acquire().await.unwrap();
        let mut held = pin!(limiter.acquire());
        assert!(poll!(held.as_mut()).is_pending());
        // The held caller's turn is at 1 s; the three behind it start at 2, 3
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
        let limiter = AsyncRateLimiter::new(NonZeroUsize::MIN, SECOND);
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

    /// A task that calls in a loop, one call a tenth of a second, and one
    /// other caller: each of its five calls gets the next turn.
    #[tokio::test(start_paused = true)]
    async fn a_looping_caller_does_not_starve_another() {
        let period = Duration::from_millis(100);
        let limiter = Arc::new(AsyncRateLimiter::new(NonZeroUsize::MIN, period));
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
    /// whether each started after the one before it.
    async fn served_in_order(limiter: &Arc<AsyncRateLimiter>) -> bool {
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
        let mut started = Vec::new();
        for caller in callers {
            started.push(caller.await.unwrap());
        }
        started.is_sorted() && started.windows(2).all(|pair| pair[0] != pair[1])
    }

    async fn runs_served_in_order() -> usize {
        let mut limiter = AsyncRateLimiter::new(NonZeroUsize::MIN, Duration::from_millis(5));
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
    async fn the_longest_waiter_starts_next_fifo() {
        assert_eq!(runs_served_in_order().await, 40);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_longest_waiter_starts_next_fifo_on_the_multi_thread_runtime() {
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

    /// `callers` wait to start, one every 10 ms: the polls of their
    /// `acquire`s, per call let start.
    async fn polls_per_start(callers: usize) -> f64 {
        let limiter = Arc::new(AsyncRateLimiter::new(
            NonZeroUsize::MIN,
            Duration::from_millis(10),
        ));
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
    async fn polls_per_start_stay_bounded_as_waiters_grow() {
        let mut per_start = Vec::new();
        for callers in [10, 100, 1000] {
            per_start.push(polls_per_start(callers).await);
        }
        assert!(per_start.iter().all(|&polls| polls <= 2.0), "{per_start:?}");
    }

    /// The window's task goes with its runtime: a caller then gets an
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
        let limiter = first.block_on(async { AsyncRateLimiter::new(NonZeroUsize::MIN, SECOND) });
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
        let limiter = Arc::new(AsyncRateLimiter::new(NonZeroUsize::MIN, SECOND));
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
        let limiter = AsyncRateLimiter::new(NonZeroUsize::MIN, SECOND);
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

    /// A window of zero limits nothing; without a shortest lapse, no call
    /// would go through, as every caller is polled after its turn. On the
    /// real clock, where that is so.
    #[tokio::test]
    async fn a_zero_window_lets_calls_through() {
        let limiter = AsyncRateLimiter::new(NonZeroUsize::MIN, Duration::ZERO);
        timeout(SECOND * 10, async {
            for _ in 0..100 {
                limiter.acquire().await.unwrap();
            }
        })
        .await
        .expect("100 calls went through");
    }

    /// The callers that come while the task waits for room in the window, an hour
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
            () = let_calls_start(&mut line, NonZeroUsize::MIN, HOUR) => unreachable!("the channel is open"),
            () = give_ups => {}
        }

        let kept = line.taken.len() + line.channel.len();
        assert!(kept <= KEPT_AT_LEAST, "{kept} kept");
        line.next().await.unwrap().send(Instant::now()).unwrap();
        third_turn.await.unwrap();
    }
}
