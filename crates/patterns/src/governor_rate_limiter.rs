//! The production choice, the `governor` crate, driven by Tokio's clock so
//! that it also works on the paused clock.
//!
//! `governor` keeps a token bucket as one timestamp, updated without a lock:
//! here two calls a second, in bursts of two, as `token_bucket`. Its own
//! `until_ready` loops on `check()` and a sleep in each caller, so every
//! waiter wakes for each cell and the first to check takes it, in no set
//! order, and it sleeps on real time (`futures-timer`), which a paused clock
//! doesn't move. So one task owns the limiter, asks `check()`, sleeps with
//! Tokio, and lets callers through in order (the book's page "Rate
//! limiting"). That is a trade: `until_ready` spends a cell in the poll that
//! makes the call, so a caller a `select!` holds can never call late; the
//! task spends it when it lets a caller through, whether or not that caller
//! is polled. So here a cell not used within its half second (50 ms at the
//! least, at other rates) lapses and its caller asks again: at most two calls
//! at one instant, however many callers are held (same page). `check()` alone
//! is the other mode: answer "429, retry after".

use std::collections::VecDeque;
use std::num::NonZeroU32;
use std::pin::pin;
use std::time::Duration;

use futures::future::join_all;
use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, sleep};
use tokio_util::task::AbortOnDropHandle;

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

/// A turn's shortest life: a caller polled this late still calls on it.
/// An interval of 1 ms (1,000 turns a second) or none would lapse before
/// nearly every caller is polled (the book's page "Rate limiting").
const SHORTEST_LAPSE: Duration = Duration::from_millis(50);

/// A caller waiting in line: told when it was let through.
type Waiting = oneshot::Sender<Instant>;

/// A `governor` limiter whose waiters go through in the order they came.
struct InOrder {
    /// Unbounded: a bounded channel gives a freed place to a sender that
    /// waits for one whether or not it is polled, so callers held while they
    /// wait for room would close the line to everyone behind them.
    line: mpsc::UnboundedSender<Waiting>,
    /// How long a cell stays good: the time the quota takes to earn one, or
    /// `SHORTEST_LAPSE`.
    lapse: Duration,
    /// The task that owns the limiter, stopped when this is dropped.
    _limiter: AbortOnDropHandle<()>,
}

#[derive(Debug, thiserror::Error)]
#[error("the rate limiter has stopped")]
pub struct Stopped;

impl InOrder {
    /// Starts the limiter's task, so call it inside a Tokio runtime.
    fn new(quota: Quota) -> Self {
        let clock = TokioClock::new();
        let limiter = RateLimiter::direct_with_clock(quota, clock.clone());
        let (line, waiting) = mpsc::unbounded_channel();
        let task =
            tokio::spawn(async move { let_through(&mut Line::new(waiting), limiter, clock).await });
        Self {
            line,
            lapse: quota.replenish_interval().max(SHORTEST_LAPSE),
            _limiter: AbortOnDropHandle::new(task),
        }
    }

    /// Waits until the limiter lets this caller through, after every caller
    /// that came before it, and returns when that was. Fails only once the
    /// limiter's task is gone: its runtime shut down.
    async fn until_ready(&self) -> Result<Instant, Stopped> {
        loop {
            let (waiting, ready) = oneshot::channel();
            self.line.send(waiting).map_err(|_| Stopped)?;
            let ready = ready.await.map_err(|_| Stopped)?;
            // The cell was spent when the task let this caller through. A
            // caller polled only a lapse or more later (held in a
            // `select!`, or on a runtime that busy) would call beside the
            // cells spent since: it asks again instead, at the back.
            if ready.elapsed() < self.lapse {
                return Ok(ready);
            }
        }
    }
}

/// The limiter's task: lets each caller in line through when `check()` does.
async fn let_through(line: &mut Line, limiter: Limiter, clock: TokioClock) {
    while let Some(caller) = line.next().await {
        // `check()` spends a cell: not for a caller that has given up. One
        // that gives up between this look and the send below costs its cell.
        while !caller.is_closed() {
            match limiter.check() {
                Ok(()) => {
                    // Sending on a oneshot never waits.
                    let _ = caller.send(Instant::now());
                    break;
                }
                Err(not_until) => {
                    line.meanwhile(sleep(not_until.wait_time_from(clock.now())))
                        .await;
                }
            }
        }
    }
}

/// The callers in line. The task takes them off the channel as they come,
/// while it waits for the limiter too, so that it can drop those that gave up:
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

async fn make_api_call(limiter: &InOrder, call_id: u32, start: Instant) -> Result<(), Stopped> {
    limiter.until_ready().await?;
    println!(
        "[{:.1}s] Making API call {call_id}",
        start.elapsed().as_secs_f64()
    );
    sleep(Duration::from_millis(500)).await;
    Ok(())
}

/// Two calls per second. A zero here fails the build, not the run: the
/// constant is evaluated at compile time.
const PER_SECOND: NonZeroU32 = NonZeroU32::new(2).expect("a quota needs a rate above zero");

pub async fn run() -> Result<(), Stopped> {
    let quota = Quota::per_second(PER_SECOND);

    let limiter = InOrder::new(quota);
    let start = Instant::now();
    let calls = join_all((0..10).map(|i| make_api_call(&limiter, i, start))).await;
    calls.into_iter().collect::<Result<Vec<()>, _>>()?;
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

    fn one_every(period: Duration) -> InOrder {
        InOrder::new(Quota::with_period(period).expect("a period above zero"))
    }

    /// A caller polled once and then neither polled nor dropped (a branch
    /// of a `select!` that stopped polling it) is let through in its turn,
    /// and holds up nobody behind it.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_holds_up_no_one() {
        let limiter = one_every(SECOND);
        limiter.until_ready().await.unwrap();
        let mut held = pin!(limiter.until_ready());
        assert!(poll!(held.as_mut()).is_pending());
        // The held caller's turn is at 1 s; the three behind it go at 2, 3
        // and 4 s.
        let others = join_all((0..3).map(|_| limiter.until_ready()));
        timeout(SECOND * 4 + SECOND / 2, others)
            .await
            .expect("the others went on");
    }

    /// One call a second. A held caller's turn comes at 1 s while it is not
    /// polled, and is spent; polled again at 2 s, the instant of the next
    /// caller's turn, it finds its own lapsed and asks again: it calls at 3 s.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_whose_turn_lapsed_asks_again() {
        let limiter = one_every(SECOND);
        let start = limiter.until_ready().await.unwrap();
        let mut held = pin!(limiter.until_ready());
        assert!(poll!(held.as_mut()).is_pending());
        // Bounded: a limiter that waited for the held caller would hang here.
        timeout(SECOND * 3, limiter.until_ready())
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

    /// The caller first in line gives up: the one behind it takes its turn.
    #[tokio::test(start_paused = true)]
    async fn a_caller_that_gives_up_in_line_lets_the_next_move_up() {
        let limiter = one_every(SECOND);
        limiter.until_ready().await.unwrap();
        let start = Instant::now();
        let gives_up = timeout(SECOND / 2, limiter.until_ready());
        let (gave_up, next) = futures::join!(gives_up, limiter.until_ready());
        assert!(gave_up.is_err());
        next.unwrap();
        assert_eq!(start.elapsed(), SECOND);
    }

    /// A task that calls in a loop, one call a tenth of a second, and one
    /// other caller: each of its five calls gets the next turn.
    #[tokio::test(start_paused = true)]
    async fn a_looping_caller_does_not_starve_another() {
        let period = Duration::from_millis(100);
        let limiter = Arc::new(one_every(period));
        let _looping = AbortOnDropHandle::new(tokio::spawn({
            let limiter = Arc::clone(&limiter);
            async move {
                loop {
                    limiter.until_ready().await.unwrap();
                }
            }
        }));
        tokio::task::yield_now().await;
        let mut starved = 0;
        for _ in 0..5 {
            // The looping task's call is in line first: two turns, and a
            // third to spare.
            if timeout(period * 3, limiter.until_ready()).await.is_err() {
                starved += 1;
            }
        }
        assert_eq!(starved, 0, "{starved} of 5 calls starved");
    }

    /// Five callers queue in turn behind the first, then a sixth arrives:
    /// whether each went through after the one before it.
    async fn served_in_order(limiter: &Arc<InOrder>) -> bool {
        limiter.until_ready().await.unwrap();
        let mut callers = Vec::new();
        for _ in 0..6 {
            let limiter = Arc::clone(limiter);
            // Polled once here, so that it is in line before the next. On
            // a busy machine the limit may have let it through by then.
            let mut queued = Box::pin(async move { limiter.until_ready().await.unwrap() });
            let caller = match poll!(queued.as_mut()) {
                Poll::Ready(went) => tokio::spawn(std::future::ready(went)),
                Poll::Pending => tokio::spawn(queued),
            };
            callers.push(AbortOnDropHandle::new(caller));
        }
        let mut went = Vec::new();
        for caller in callers {
            went.push(caller.await.unwrap());
        }
        went.is_sorted() && went.windows(2).all(|pair| pair[0] != pair[1])
    }

    async fn runs_served_in_order() -> usize {
        let mut limiter = one_every(Duration::from_millis(5));
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
    async fn the_longest_waiter_goes_next_fifo() {
        assert_eq!(runs_served_in_order().await, 40);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_longest_waiter_goes_next_fifo_on_the_multi_thread_runtime() {
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

    /// `callers` wait to go, one every 10 ms: the polls of their
    /// `until_ready`s, per caller let through.
    async fn polls_per_call(callers: usize) -> f64 {
        let limiter = Arc::new(one_every(Duration::from_millis(10)));
        limiter.until_ready().await.unwrap();
        let polls = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..callers)
            .map(|_| {
                let (limiter, polls) = (Arc::clone(&limiter), Arc::clone(&polls));
                let call = async move { limiter.until_ready().await.unwrap() };
                AbortOnDropHandle::new(tokio::spawn(counting_polls(polls, call)))
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        polls.load(Ordering::Relaxed) as f64 / callers as f64
    }

    #[tokio::test(start_paused = true)]
    async fn polls_per_call_stay_bounded_as_waiters_grow() {
        let mut per_call = Vec::new();
        for callers in [10, 100, 1000] {
            per_call.push(polls_per_call(callers).await);
        }
        assert!(per_call.iter().all(|&polls| polls <= 2.0), "{per_call:?}");
    }

    /// The limiter's task goes with its runtime: a caller then gets an
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
        let limiter = first.block_on(async { one_every(SECOND) });
        drop(first);
        assert!(runtime().block_on(limiter.until_ready()).is_err());
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
        let limiter = Arc::new(one_every(SECOND));
        limiter.until_ready().await.unwrap();
        let mut waiting = Vec::new();
        for _ in 0..70 {
            let limiter = Arc::clone(&limiter);
            // Polled once here, so that all seventy are in line before the
            // held ones; then left to their own tasks.
            let mut call = Box::pin(async move { limiter.until_ready().await.unwrap() });
            assert!(poll!(call.as_mut()).is_pending());
            waiting.push(AbortOnDropHandle::new(tokio::spawn(call)));
        }
        let mut held: Vec<_> = (0..64).map(|_| Box::pin(limiter.until_ready())).collect();
        for caller in &mut held {
            assert!(poll!(caller.as_mut()).is_pending());
        }
        timeout(SECOND * 300, limiter.until_ready())
            .await
            .expect("the held callers held up a fresh one")
            .unwrap();
    }

    /// One turn a second, and ten callers held while their turns come and
    /// go, then polled again at once beside a fresh caller: their turns
    /// have lapsed, so they ask again, and no instant sees two calls.
    #[tokio::test(start_paused = true)]
    async fn callers_held_past_their_turns_make_no_burst() {
        let limiter = one_every(SECOND);
        limiter.until_ready().await.unwrap();
        let mut held: Vec<_> = (0..10).map(|_| Box::pin(limiter.until_ready())).collect();
        for caller in &mut held {
            assert!(poll!(caller.as_mut()).is_pending());
        }
        sleep(SECOND * 20).await;
        let callers = held.into_iter().chain([Box::pin(limiter.until_ready())]);
        let calls = join_all(callers.map(async |caller| {
            caller.await.unwrap();
            Instant::now()
        }))
        .await;
        assert_eq!(most_at_one_instant(&calls), 1, "{calls:?}");
    }

    /// At 1,000 turns a second the interval is 1 ms, shorter than callers
    /// are often late: one polled 5 ms after its turn still calls on it,
    /// rather than spending a second cell.
    #[tokio::test(start_paused = true)]
    async fn a_turn_outlives_a_short_interval() {
        let limiter = one_every(Duration::from_millis(1));
        let mut late = pin!(limiter.until_ready());
        assert!(poll!(late.as_mut()).is_pending());
        let handed_out = Instant::now();
        // The limiter's task hands the turn out now, and the caller is
        // polled 5 ms later.
        tokio::task::yield_now().await;
        tokio::time::advance(Duration::from_millis(5)).await;
        assert_eq!(late.await.unwrap(), handed_out);
    }

    /// The callers that come while the task waits for the limiter, an hour
    /// away, are taken off the channel, and those that gave up are dropped:
    /// of 10,000, at most `KEPT_AT_LEAST` stay, and a caller behind them
    /// keeps its place.
    #[tokio::test(start_paused = true)]
    async fn callers_that_gave_up_do_not_pile_up_in_line() {
        const HOUR: Duration = Duration::from_secs(3600);
        let clock = TokioClock::new();
        let limiter = RateLimiter::direct_with_clock(
            Quota::with_period(HOUR).expect("a period above zero"),
            clock.clone(),
        );
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
            () = let_through(&mut line, limiter, clock) => unreachable!("the channel is open"),
            () = give_ups => {}
        }

        let kept = line.taken.len() + line.channel.len();
        assert!(kept <= KEPT_AT_LEAST, "{kept} kept");
        line.next().await.unwrap().send(Instant::now()).unwrap();
        third_turn.await.unwrap();
    }
}
