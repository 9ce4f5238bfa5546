//! The guide's sliding-window rate limiter, without its deadlock: at most
//! three calls start in any two seconds.
//!
//! A call may start when fewer than `max_calls` started within the last
//! `time_window` (the guide calls it a token bucket). The guide's `acquire`
//! retries by calling itself while holding its `asyncio.Lock`, which is not
//! reentrant: the fourth call waits for a lock it holds, for ever. Here a
//! caller holds the window's lock only to look at it, never across the
//! sleep: it records its start if there is room, or sleeps until the oldest
//! call leaves the window and looks again. A start is recorded in the poll
//! that makes the call, so a caller a `select!` holds, or one polled late,
//! takes no room until it starts, and no window ever sees more than
//! `max_calls` starts. What that gives up is order (the book's page "Rate
//! limiting"): the first waiter polled after room frees takes it.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Rate Limiting" (`AsyncRateLimiter`)

use std::collections::VecDeque;
use std::num::NonZeroUsize;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use futures::future::join_all;
use tokio::time::{Instant, sleep};

struct AsyncRateLimiter {
    max_calls: NonZeroUsize,
    time_window: Duration,
    /// The start times of the calls within the last window, oldest first:
    /// never more than `max_calls`. A `std` lock: it is never held across
    /// an `.await`.
    calls: Mutex<VecDeque<Instant>>,
}

impl AsyncRateLimiter {
    /// `max_calls` is not zero: with no room at all, no call could ever
    /// start.
    fn new(max_calls: NonZeroUsize, time_window: Duration) -> Self {
        Self {
            max_calls,
            time_window,
            calls: Mutex::new(VecDeque::new()),
        }
    }

    /// Waits for room in the window, and returns the start time it
    /// recorded.
    async fn acquire(&self) -> Instant {
        loop {
            let wait = {
                // Nothing panics while it is held, but a poisoned lock's
                // data is a deque of instants, whole either way.
                let mut calls = self.calls.lock().unwrap_or_else(PoisonError::into_inner);
                let now = Instant::now();
                while calls
                    .front()
                    .is_some_and(|&oldest| now - oldest >= self.time_window)
                {
                    calls.pop_front();
                }
                match calls.front() {
                    Some(&oldest) if calls.len() >= self.max_calls.get() => {
                        self.time_window - (now - oldest)
                    }
                    _ => {
                        calls.push_back(now);
                        return now;
                    }
                }
            };
            // Looks again on waking: another caller may have taken the
            // room, and Tokio cuts a very long sleep short.
            sleep(wait).await;
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
    let time_window = Duration::from_secs(2);
    let limiter = AsyncRateLimiter::new(MAX_CALLS, time_window);
    let start = Instant::now();

    // The waiting calls wake together when room frees, and `join_all` (of
    // 30 or fewer) polls them in order: the lowest call id takes it.
    let results = join_all((0..6).map(|i| api_call(&limiter, format!("call-{i}"), start))).await;
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
}

#[cfg(test)]
mod tests {
    use std::future::{Future, poll_fn};
    use std::pin::pin;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use futures::poll;
    use tokio::time::timeout;
    use tokio_util::task::AbortOnDropHandle;

    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    /// Whether no `window` saw more than `max_calls` of the `started`
    /// instants: any `max_calls + 1` of them in order span a window or more.
    fn within_limit(mut started: Vec<Instant>, max_calls: usize, window: Duration) -> bool {
        started.sort();
        started
            .windows(max_calls + 1)
            .all(|calls| calls[max_calls] - calls[0] >= window)
    }

    #[tokio::test(start_paused = true)]
    async fn the_demonstration_keeps_the_limit_over_every_stretch() {
        let window = Duration::from_secs(2);
        let limiter = AsyncRateLimiter::new(MAX_CALLS, window);
        let start = Instant::now();
        let calls = join_all((0..6).map(|n| api_call(&limiter, format!("call-{n}"), start))).await;
        let started = calls.into_iter().map(|(_, at)| start + at).collect();
        assert!(within_limit(started, MAX_CALLS.get(), window));
    }

    /// One call a second, and ten callers held (polled once, then neither
    /// polled nor dropped, as a `select!` over `&mut fut` holds one) while
    /// twenty seconds go by, then polled at once beside a fresh caller: all
    /// eleven start, one a second.
    #[tokio::test(start_paused = true)]
    async fn callers_held_past_their_turns_make_no_burst() {
        let limiter = AsyncRateLimiter::new(NonZeroUsize::MIN, SECOND);
        limiter.acquire().await;
        let mut held: Vec<_> = (0..10).map(|_| Box::pin(limiter.acquire())).collect();
        for caller in &mut held {
            assert!(poll!(caller.as_mut()).is_pending());
        }
        sleep(SECOND * 20).await;
        let callers = held.into_iter().chain([Box::pin(limiter.acquire())]);
        // When each call came, read here, not what `acquire` says of itself.
        let started = join_all(callers.map(async |caller| {
            caller.await;
            Instant::now()
        }))
        .await;
        assert!(within_limit(started, 1, SECOND));
    }

    /// Sixty-four callers held: they took no room, so a fresh caller starts
    /// as soon as the window has some.
    #[tokio::test(start_paused = true)]
    async fn held_callers_take_no_room() {
        let limiter = AsyncRateLimiter::new(NonZeroUsize::MIN, SECOND);
        let first = limiter.acquire().await;
        let mut held: Vec<_> = (0..64).map(|_| Box::pin(limiter.acquire())).collect();
        for caller in &mut held {
            assert!(poll!(caller.as_mut()).is_pending());
        }
        let fresh = timeout(SECOND * 2, limiter.acquire()).await;
        assert_eq!(fresh.map(|fresh| fresh - first), Ok(SECOND));
    }

    /// Callers that give up in a `timeout` cost nothing: the next one
    /// starts when it would have without them.
    #[tokio::test(start_paused = true)]
    async fn callers_that_give_up_cost_nothing() {
        let limiter = AsyncRateLimiter::new(NonZeroUsize::MIN, SECOND);
        let first = limiter.acquire().await;
        for _ in 0..10 {
            let gave_up = timeout(Duration::from_millis(10), limiter.acquire()).await;
            assert!(gave_up.is_err());
        }
        assert_eq!(limiter.acquire().await - first, SECOND);
    }

    /// A runtime too busy to poll a woken caller on time still gets its
    /// calls through. Eighty neighbour tasks each hold the thread 1 ms
    /// between yields, so a caller is polled about every 80 ms, eight
    /// windows of 10 ms later; it still makes each of its calls. On the
    /// real clock, where a blocked thread delays every timer.
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
            let limiter = AsyncRateLimiter::new(NonZeroUsize::MIN, Duration::from_millis(10));
            // A task, queued behind the neighbours as they are; `block_on`'s
            // own future would be polled first.
            let calls = tokio::spawn(async move {
                for _ in 0..10 {
                    limiter.acquire().await;
                }
            });
            timeout(SECOND * 30, AbortOnDropHandle::new(calls))
                .await
                .expect("ten calls beside busy neighbours")
                .unwrap();
        });
    }

    /// The trade's side, order: twenty tasks call in a loop, one start
    /// every 10 ms, for five seconds. Each wakes when room frees, and the
    /// first polled takes it: on this runtime, the same tasks each time,
    /// while another waits for ever.
    #[tokio::test(start_paused = true)]
    async fn a_looping_caller_can_starve_another() {
        let limiter = Arc::new(AsyncRateLimiter::new(
            NonZeroUsize::MIN,
            Duration::from_millis(10),
        ));
        let calls: Vec<_> = (0..20).map(|_| Arc::new(AtomicUsize::new(0))).collect();
        let _looping: Vec<_> = calls
            .iter()
            .map(|calls| {
                let (limiter, calls) = (Arc::clone(&limiter), Arc::clone(calls));
                AbortOnDropHandle::new(tokio::spawn(async move {
                    loop {
                        limiter.acquire().await;
                        calls.fetch_add(1, Ordering::Relaxed);
                    }
                }))
            })
            .collect();
        sleep(SECOND * 5).await;
        let fewest = calls
            .iter()
            .map(|calls| calls.load(Ordering::Relaxed))
            .min();
        assert_eq!(fewest, Some(0), "every caller had a turn");
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

    /// The trade's other side: room freed wakes every caller still waiting,
    /// so a hundred waiters cost some fifty polls a start.
    #[tokio::test(start_paused = true)]
    async fn room_freed_wakes_every_waiter() {
        let limiter = Arc::new(AsyncRateLimiter::new(
            NonZeroUsize::MIN,
            Duration::from_millis(10),
        ));
        limiter.acquire().await;
        let polls = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..100)
            .map(|_| {
                let (limiter, polls) = (Arc::clone(&limiter), Arc::clone(&polls));
                let call = async move { limiter.acquire().await };
                AbortOnDropHandle::new(tokio::spawn(counting_polls(polls, call)))
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        let per_start = polls.load(Ordering::Relaxed) as f64 / 100.0;
        assert!(per_start > 25.0, "{per_start} polls a start");
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_window_of_any_length_waits_without_panicking() {
        let limiter = AsyncRateLimiter::new(NonZeroUsize::MIN, Duration::MAX);
        limiter.acquire().await;
        let second = timeout(Duration::from_secs(3600), limiter.acquire()).await;
        assert!(second.is_err(), "a second start within the window");
    }

    /// A window of zero holds no call: each starts at once. On the real
    /// clock.
    #[tokio::test]
    async fn a_zero_window_lets_calls_through() {
        let limiter = AsyncRateLimiter::new(NonZeroUsize::MIN, Duration::ZERO);
        timeout(SECOND * 10, async {
            for _ in 0..100 {
                limiter.acquire().await;
            }
        })
        .await
        .expect("100 calls went through");
    }

    /// No task: a limiter built outside any runtime works inside one.
    #[test]
    fn a_limiter_needs_no_runtime_to_build() {
        let limiter = AsyncRateLimiter::new(NonZeroUsize::MIN, SECOND);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        runtime.block_on(async {
            limiter.acquire().await;
            limiter.acquire().await;
        });
    }
}
