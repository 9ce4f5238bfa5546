//! An API client that gives each request a slot of its own, five a second
//! however many tasks share it, each request with a time limit and a size
//! limit on the answer.
//!
//! asyncio's usual rate limiter is an `asyncio.Lock` around "sleep until the
//! next free slot" (or the `aiolimiter` package). Here callers queue on a
//! channel, and a task of the client's own, the pacer, hands each its slot in
//! turn (why: the book's page "Rate limiting"); `get` then sends through one
//! `reqwest::Client`. It spaces requests out but does not cap those in flight
//! (add a `Semaphore`); a `429` means waiting as its `Retry-After` says.
//!
//! What not to undo when you copy it:
//! - The wait in the pacer's task, not in a caller's future, and a queue with
//!   no bound: a caller never polled again costs its own slot, and holds up
//!   no one; one that gave up passes its slot to the next at once.
//! - A slot not used within a period lapses, and `get` asks again: never two
//!   requests at one instant, nor more than six in a second, however many
//!   callers a `select!` holds past their slots.
//! - The next slot a period after the pacer handed out the last one, not on
//!   a schedule: after a quiet spell the first request goes at once and the
//!   next a period later (in `run`, at 3.4, 3.6 and 3.8 s). An `interval`
//!   keeps a schedule, and by default sends the ticks a quiet spell missed
//!   all at once.
//! - The time limit on each request and the size limit on the body.

use std::num::NonZeroU32;
use std::time::Duration;

use futures::future::join_all;
use reqwest::{Client, StatusCode};
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, sleep, sleep_until};
use tokio_util::task::AbortOnDropHandle;

/// How long one request may take, body included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);
/// The longest answer kept.
const MAX_BODY: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Status(StatusCode),
    #[error("the answer is longer than {MAX_BODY} bytes")]
    TooLarge,
    /// The pacer has stopped: the runtime is shutting down.
    #[error("the rate limiter has stopped")]
    Stopped,
    #[error(transparent)]
    Http(#[from] reqwest::Error),
}

/// A caller waiting for its slot: the pacer sends on it when the slot comes.
type Waiting = oneshot::Sender<Instant>;

pub struct RateLimitedClient {
    http: Client,
    base_url: String,
    /// The queue of callers waiting for a slot. Unbounded: a bounded
    /// channel gives a freed place to a sender that waits for one whether or
    /// not it is polled, so callers held while they wait for room would
    /// close the queue to everyone behind them.
    queue: mpsc::UnboundedSender<Waiting>,
    /// The time between two slots, and how long a slot stays good.
    period: Duration,
    /// Aborted when the client is dropped.
    _pacer: AbortOnDropHandle<()>,
}

impl RateLimitedClient {
    /// A client for `base_url` that sends at most `per_second` requests a
    /// second. The first request may go at once. It starts the pacer, so
    /// call it inside a Tokio runtime.
    pub fn new(base_url: &str, per_second: NonZeroU32) -> Result<Self, ApiError> {
        // Rounded up: at three a second, 333_333_333 ns would let four
        // requests go within less than a second.
        let period = Duration::from_nanos(1_000_000_000_u64.div_ceil(u64::from(per_second.get())));
        let (queue, waiting) = mpsc::unbounded_channel();
        Ok(RateLimitedClient {
            http: Client::builder().timeout(REQUEST_TIMEOUT).build()?,
            base_url: base_url.to_owned(),
            queue,
            period,
            _pacer: AbortOnDropHandle::new(tokio::spawn(pace(waiting, period))),
        })
    }

    /// Waits until the rate allows one more request, and returns when its
    /// slot came, less than a period ago.
    async fn wait_for_slot(&self) -> Result<Instant, ApiError> {
        loop {
            let (waiting, slot) = oneshot::channel();
            self.queue.send(waiting).map_err(|_| ApiError::Stopped)?;
            let slot = slot.await.map_err(|_| ApiError::Stopped)?;
            // The pacer handed the slot out whether or not this caller was
            // polled. One polled a period or more later (held in a
            // `select!`, or on a runtime that busy) would send beside the
            // slots handed out since: it asks again instead, at the back.
            if slot.elapsed() < self.period {
                return Ok(slot);
            }
        }
    }

    /// `GET {base_url}{path}`, when the rate allows: the status and body.
    /// The request starts in the poll that finds its slot fresh.
    pub async fn get(&self, path: &str) -> Result<(StatusCode, Vec<u8>), ApiError> {
        self.wait_for_slot().await?;
        let mut response = self
            .http
            .get(format!("{}{path}", self.base_url))
            .send()
            .await?;
        let status = response.status();
        if !status.is_success() {
            return Err(ApiError::Status(status));
        }
        // An answer announced too long is refused before any of it is read.
        if response
            .content_length()
            .is_some_and(|length| length > MAX_BODY as u64)
        {
            return Err(ApiError::TooLarge);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(ApiError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok((status, body))
    }
}

/// The pacer: hands each waiting caller its slot, in the order they came,
/// a `period` after the last slot it handed out.
async fn pace(mut queue: mpsc::UnboundedReceiver<Waiting>, period: Duration) {
    let mut next_slot = Instant::now();
    while let Some(waiting) = queue.recv().await {
        sleep_until(next_slot).await;
        // Sending on a oneshot never waits. A caller that gave up has
        // dropped its receiver: its slot goes to the next caller.
        if waiting.send(Instant::now()).is_ok() {
            // From now, not from the slot: a slot handed out late leaves
            // the one after it no time to catch up on.
            next_slot = Instant::now() + period;
        }
    }
}

/// The demonstration's rate: five requests a second.
const RATE: NonZeroU32 = NonZeroU32::new(5).expect("a rate above zero");

pub async fn run(base_url: &str) -> anyhow::Result<()> {
    let start = Instant::now();
    let client = RateLimitedClient::new(base_url, RATE)?;

    // Eight callers at once, sharing the client.
    let answered_at = get_pages(&client, 1..=8, start).await?;
    println!("answered at {answered_at}");

    // After a quiet spell, the next request goes at once, and the ones
    // after it a period apart again.
    sleep(Duration::from_secs(2)).await;
    let answered_at = get_pages(&client, 9..=11, start).await?;
    println!("after a quiet spell, answered at {answered_at}");
    Ok(())
}

// What only feeds the demonstration: many callers at once, and when each
// was answered.

/// Gets each page concurrently, prints each status in page order, and
/// returns when they were answered, earliest first: which caller got which
/// slot is up to the order they queued in, while the slots are what the
/// limit decides.
async fn get_pages(
    client: &RateLimitedClient,
    pages: std::ops::RangeInclusive<u32>,
    start: Instant,
) -> anyhow::Result<String> {
    let calls = pages.map(|page| async move {
        let result = client.get(&format!("/get?page={page}")).await;
        (page, result, start.elapsed())
    });
    let mut answered_at = Vec::new();
    for (page, result, at) in join_all(calls).await {
        match result {
            Ok((status, body)) if !body.is_empty() => println!("page {page}: {status}"),
            Ok((status, _)) => anyhow::bail!("page {page}: {status} with an empty body"),
            Err(error) => anyhow::bail!("page {page}: {error}"),
        }
        answered_at.push(at);
    }
    answered_at.sort();
    let times: Vec<String> = answered_at
        .iter()
        .map(|at| format!("{:.1}s", at.as_secs_f64()))
        .collect();
    Ok(times.join(" "))
}

#[cfg(test)]
mod tests {
    use std::future::{Future, poll_fn};
    use std::pin::pin;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Poll;

    use futures::future::join_all;
    use futures::poll;
    use tokio::time::{advance, timeout};

    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    /// A client of `per_second`, for tests of its pacing only: nothing is
    /// sent.
    fn client(per_second: u32) -> RateLimitedClient {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let per_second = NonZeroU32::new(per_second).expect("a rate above zero");
        RateLimitedClient::new("http://127.0.0.1:9", per_second).unwrap()
    }

    /// When each of `callers` got its slot, earliest first.
    async fn slots(client: &RateLimitedClient, callers: usize) -> Vec<Instant> {
        let mut at = join_all((0..callers).map(|_| async {
            client.wait_for_slot().await.unwrap();
            Instant::now()
        }))
        .await;
        at.sort();
        at
    }

    /// No `n + 1` slots within less than a second.
    fn assert_at_most_per_second(n: usize, slots: &[Instant]) {
        for window in slots.windows(n + 1) {
            let span = window[n] - window[0];
            assert!(
                span >= Duration::from_secs(1),
                "{} slots within {span:?}",
                n + 1
            );
        }
    }

    /// One request, a pause of a little more than a period, then six
    /// callers at once: the first of them goes at once, and the others a
    /// period after it, not on the schedule the first request began.
    #[tokio::test(start_paused = true)]
    async fn a_caller_after_a_pause_starts_a_new_schedule() {
        let client = client(RATE.get());
        let mut at = slots(&client, 1).await;
        advance(Duration::from_millis(204)).await;
        at.extend(slots(&client, 6).await);
        assert_at_most_per_second(5, &at);
    }

    /// A caller that gives up while it waits passes its slot on.
    #[tokio::test(start_paused = true)]
    async fn a_caller_that_gives_up_passes_its_slot_on() {
        let client = client(RATE.get());
        let start = Instant::now();
        slots(&client, 1).await;
        let gave_up = timeout(Duration::from_millis(100), client.wait_for_slot()).await;
        assert!(gave_up.is_err());
        let next = slots(&client, 1).await;
        assert_eq!(next, [start + Duration::from_millis(200)]);
    }

    /// A caller polled once while it waits for its slot, then neither
    /// polled again nor dropped: it costs its own slot, and no more.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_stalls_no_other_caller() {
        let client = client(RATE.get());
        let start = Instant::now();
        slots(&client, 1).await;
        let mut held = std::pin::pin!(client.wait_for_slot());
        assert!(futures::poll!(held.as_mut()).is_pending());
        let others = timeout(Duration::from_secs(5), slots(&client, 4))
            .await
            .expect("the others wait for ever");
        assert_eq!(others.last(), Some(&(start + Duration::from_secs(1))));
    }

    /// A task that asks for slots in a loop, and one other caller: each of
    /// its five calls gets the next slot.
    #[tokio::test(start_paused = true)]
    async fn a_looping_caller_does_not_starve_another() {
        let client = Arc::new(client(10));
        let _looping = AbortOnDropHandle::new(tokio::spawn({
            let client = Arc::clone(&client);
            async move {
                loop {
                    client.wait_for_slot().await.unwrap();
                }
            }
        }));
        tokio::task::yield_now().await;
        let mut starved = 0;
        for _ in 0..5 {
            // The looping task's call is in line first: two slots, and a
            // third to spare.
            let patience = Duration::from_millis(300);
            if timeout(patience, client.wait_for_slot()).await.is_err() {
                starved += 1;
            }
        }
        assert_eq!(starved, 0, "{starved} of 5 calls starved");
    }

    /// Five callers queue in turn behind the first, then a sixth arrives:
    /// whether each got its slot after the one before it.
    async fn served_in_order(client: &Arc<RateLimitedClient>) -> bool {
        client.wait_for_slot().await.unwrap();
        let mut callers = Vec::new();
        for _ in 0..6 {
            let client = Arc::clone(client);
            // Polled once here, so that it is in line before the next. On
            // a busy machine its slot may have come by then.
            let mut queued = Box::pin(async move { client.wait_for_slot().await.unwrap() });
            let caller = match poll!(queued.as_mut()) {
                Poll::Ready(slot) => tokio::spawn(std::future::ready(slot)),
                Poll::Pending => tokio::spawn(queued),
            };
            callers.push(AbortOnDropHandle::new(caller));
        }
        let mut slots = Vec::new();
        for caller in callers {
            slots.push(caller.await.unwrap());
        }
        slots.is_sorted() && slots.windows(2).all(|pair| pair[0] != pair[1])
    }

    async fn runs_served_in_order() -> usize {
        let client = Arc::new(client(200));
        let mut in_order = 0;
        for _ in 0..40 {
            in_order += usize::from(served_in_order(&client).await);
        }
        in_order
    }

    #[tokio::test(start_paused = true)]
    async fn the_longest_waiter_gets_the_next_slot_fifo() {
        assert_eq!(runs_served_in_order().await, 40);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_longest_waiter_gets_the_next_slot_fifo_on_the_multi_thread_runtime() {
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

    /// `callers` wait for a slot each, a hundred a second: the polls of
    /// their waits, per slot handed out.
    async fn polls_per_slot(callers: usize) -> f64 {
        let client = Arc::new(client(100));
        client.wait_for_slot().await.unwrap();
        let polls = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..callers)
            .map(|_| {
                let (client, polls) = (Arc::clone(&client), Arc::clone(&polls));
                let call = async move { client.wait_for_slot().await.unwrap() };
                AbortOnDropHandle::new(tokio::spawn(counting_polls(polls, call)))
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        polls.load(Ordering::Relaxed) as f64 / callers as f64
    }

    #[tokio::test(start_paused = true)]
    async fn polls_per_slot_stay_bounded_as_waiters_grow() {
        let mut per_slot = Vec::new();
        for callers in [10, 100, 1000] {
            per_slot.push(polls_per_slot(callers).await);
        }
        assert!(per_slot.iter().all(|&polls| polls <= 2.0), "{per_slot:?}");
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
        let limiter = Arc::new(client(1));
        limiter.wait_for_slot().await.unwrap();
        let mut waiting = Vec::new();
        for _ in 0..70 {
            let limiter = Arc::clone(&limiter);
            // Polled once here, so that all seventy are in line before the
            // held ones; then left to their own tasks.
            let mut call = Box::pin(async move { limiter.wait_for_slot().await.unwrap() });
            assert!(poll!(call.as_mut()).is_pending());
            waiting.push(AbortOnDropHandle::new(tokio::spawn(call)));
        }
        let mut held: Vec<_> = (0..64).map(|_| Box::pin(limiter.wait_for_slot())).collect();
        for caller in &mut held {
            assert!(poll!(caller.as_mut()).is_pending());
        }
        timeout(SECOND * 300, limiter.wait_for_slot())
            .await
            .expect("the held callers held up a fresh one")
            .unwrap();
    }

    /// One turn a second, and ten callers held while their turns come and
    /// go, then polled again at once beside a fresh caller: their turns
    /// have lapsed, so they ask again, and no instant sees two calls.
    #[tokio::test(start_paused = true)]
    async fn callers_held_past_their_turns_make_no_burst() {
        let limiter = client(1);
        limiter.wait_for_slot().await.unwrap();
        let mut held: Vec<_> = (0..10).map(|_| Box::pin(limiter.wait_for_slot())).collect();
        for caller in &mut held {
            assert!(poll!(caller.as_mut()).is_pending());
        }
        sleep(SECOND * 20).await;
        let callers = held.into_iter().chain([Box::pin(limiter.wait_for_slot())]);
        let calls = join_all(callers.map(async |caller| {
            caller.await.unwrap();
            Instant::now()
        }))
        .await;
        assert_eq!(most_at_one_instant(&calls), 1, "{calls:?}");
    }
}
