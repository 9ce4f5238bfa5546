//! An API client that is rate-limited and retries: one rate however many
//! tasks share it, and every attempt, retries too, takes a turn.
//!
//! asyncio's usual answer is an `asyncio.Lock` around "sleep until the next
//! free slot" (or `aiolimiter`), with a retry loop around it. Here callers
//! queue on a channel and a task of the client's own, the pacer, hands each
//! its turn (why: the book's page "Rate limiting"). A refused or closed
//! connection, a missed attempt deadline, a 503 or a 429 is tried again after
//! a pause that doubles, or the longer one a `Retry-After` asks; any other
//! status comes back at once. The `Retry-After` of a 429 or a 503 also holds
//! the pacer: the server says this client's budget is spent, or that it wants
//! nothing before then, so no caller's turn comes before it ends. Why each
//! choice: the page "Timeouts and retries".
//!
//! What not to undo when you copy it:
//! - A retry waits for a turn like any request: the server counts requests,
//!   not calls.
//! - `ATTEMPTS` and a deadline per call, turns and pauses included: a
//!   down server sees the rate, never more, and a caller gets its error.
//! - A `Retry-After` past `LONGEST_RETRY_AFTER` or the deadline is the
//!   error, at once: nobody sleeps on a server's say-so unbounded.
//! - The wait in the pacer, not in a caller: a caller dropped in `timeout`
//!   or `select!` (waiting for a turn, pausing, mid-request) holds no turn
//!   and leaves nothing running; one held unpolled past its turn asks again.
//! - No two requests at one instant; at most one over the rate in a second.

use std::collections::VecDeque;
use std::num::NonZeroU32;
use std::pin::pin;
use std::time::Duration;

use futures::future::join_all;
use reqwest::{Client, Response, StatusCode};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::{Instant, sleep, sleep_until, timeout_at};
use tokio_util::task::AbortOnDropHandle;

/// How long one attempt may take, body included.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long one call may take: its turns, attempts and pauses.
const CALL_DEADLINE: Duration = Duration::from_secs(6);
/// The attempts one call may make, the first included.
const ATTEMPTS: u32 = 4;
/// The pause after the first failed attempt; each next one is twice as long.
const FIRST_PAUSE: Duration = Duration::from_millis(500);
/// The longest `Retry-After` waited for.
const LONGEST_RETRY_AFTER: Duration = Duration::from_secs(5);
/// The longest answer kept.
const MAX_BODY: usize = 1024 * 1024;
/// How long a connection may sit idle and still be used again. One idle
/// as long as the server keeps it open races the server's close: the
/// request goes out as the server hangs up, and fails unanswered (gunicorn
/// closes after 2 s, and the last retry, 2 s after the attempt before it,
/// lost that race in 3 runs of 6). reqwest's default keeps one 90 s.
const POOL_IDLE: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Status(StatusCode),
    /// A 429 or 503 with a `Retry-After`.
    #[error("{0}, asking for a pause of {1:?}")]
    Later(StatusCode, Duration),
    #[error("the answer is longer than {MAX_BODY} bytes")]
    TooLarge,
    #[error("no answer within the call's {CALL_DEADLINE:?}")]
    Deadline,
    #[error("{last}, after {attempts} attempts")]
    GaveUp { attempts: u32, last: Box<ApiError> },
    /// The pacer has stopped: the runtime is shutting down.
    #[error("the rate limiter has stopped")]
    Stopped,
    #[error(transparent)]
    Http(#[from] reqwest::Error),
}

impl ApiError {
    /// Whether the same GET may go better later. 429 and 503 say "not now";
    /// a 500 is the handler's own failure, likely the same next time, and
    /// each retry spends a turn every caller shares.
    fn is_transient(&self) -> bool {
        match self {
            ApiError::Status(status) => [
                StatusCode::TOO_MANY_REQUESTS,
                StatusCode::SERVICE_UNAVAILABLE,
            ]
            .contains(status),
            ApiError::Later(_, asked) => *asked <= LONGEST_RETRY_AFTER,
            // reqwest's `Kind::Request`: a refused, reset or closed
            // connection, or a missed attempt deadline; or a body broken off.
            ApiError::Http(error) => error.is_request() || error.is_body() || error.is_decode(),
            _ => false,
        }
    }
}

/// A caller waiting for its turn: the pacer sends on it when the turn comes.
type Waiting = oneshot::Sender<Instant>;

pub struct RateLimitedClient {
    http: Client,
    base_url: String,
    /// The queue of callers waiting for a turn. Unbounded: a bounded
    /// channel gives a freed place to a sender that waits for one whether or
    /// not it is polled, so callers held while they wait for room would
    /// close the queue to everyone behind them.
    queue: mpsc::UnboundedSender<Waiting>,
    /// No turn before this instant: the latest `Retry-After`, for everyone.
    paused_until: watch::Sender<Instant>,
    /// The time between two turns, and how long a turn stays good.
    period: Duration,
    /// How long one call may take.
    deadline: Duration,
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
        let (paused_until, paused) = watch::channel(Instant::now());
        Ok(RateLimitedClient {
            http: Client::builder()
                .timeout(ATTEMPT_TIMEOUT)
                .pool_idle_timeout(POOL_IDLE)
                .build()?,
            base_url: base_url.to_owned(),
            queue,
            paused_until,
            period,
            deadline: CALL_DEADLINE,
            _pacer: AbortOnDropHandle::new(tokio::spawn(async move {
                pace(&mut Line::new(waiting), paused, period).await;
            })),
        })
    }

    /// Waits until the rate allows one more request, and returns when its
    /// turn came, less than a period ago.
    async fn wait_for_turn(&self) -> Result<Instant, ApiError> {
        loop {
            let (waiting, turn) = oneshot::channel();
            self.queue.send(waiting).map_err(|_| ApiError::Stopped)?;
            let turn = turn.await.map_err(|_| ApiError::Stopped)?;
            // The pacer handed the turn out whether or not this caller was
            // polled. One polled a period or more later (held in a
            // `select!`, or on a runtime that busy) would send beside the
            // turns handed out since: it asks again instead, at the back.
            if turn.elapsed() < self.period {
                return Ok(turn);
            }
        }
    }

    /// `GET {base_url}{path}`: the status and body. Each attempt waits for a
    /// turn; the call ends within its deadline, with the last attempt's
    /// error if it has one. Dropped at any `.await`, it holds nothing.
    pub async fn get(&self, path: &str) -> Result<(StatusCode, Vec<u8>), ApiError> {
        let deadline = Instant::now() + self.deadline;
        let url = format!("{}{path}", self.base_url);
        let attempts = async {
            let (mut attempts, mut pause) = (0, FIRST_PAUSE);
            loop {
                attempts += 1;
                self.wait_for_turn().await?;
                let error = match self.attempt(&url).await {
                    Ok(answer) => return Ok(answer),
                    Err(error) if !error.is_transient() => return Err(error),
                    Err(error) => error,
                };
                let wait = match error {
                    ApiError::Later(_, asked) => {
                        // The server says this client's budget is spent:
                        // no caller's turn comes before the pause ends.
                        let until = Instant::now() + asked;
                        self.paused_until.send_if_modified(|paused| {
                            let later = until > *paused;
                            *paused = (*paused).max(until);
                            later
                        });
                        pause.max(asked)
                    }
                    _ => pause,
                };
                // A pause that ends past the deadline is not worth starting.
                if attempts == ATTEMPTS || Instant::now() + wait >= deadline {
                    let last = Box::new(error);
                    return Err(ApiError::GaveUp { attempts, last });
                }
                sleep(wait).await;
                pause *= 2;
            }
        };
        timeout_at(deadline, attempts)
            .await
            .map_err(|_elapsed| ApiError::Deadline)?
    }

    /// One request, sent at once.
    async fn attempt(&self, url: &str) -> Result<(StatusCode, Vec<u8>), ApiError> {
        let mut response = self.http.get(url).send().await?;
        let status = response.status();
        if !status.is_success() {
            return Err(match retry_after(&response) {
                Some(asked) if ApiError::Status(status).is_transient() => {
                    ApiError::Later(status, asked)
                }
                _ => ApiError::Status(status),
            });
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

/// The pause a `Retry-After` asks for, in seconds; its date form (rare, and
/// a clock apart) is left to the doubling pause.
fn retry_after(response: &Response) -> Option<Duration> {
    let value = response.headers().get(reqwest::header::RETRY_AFTER)?;
    let seconds = value.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(seconds))
}

/// The pacer: hands each waiting caller its turn, in the order they came,
/// a `period` after the last turn it handed out and not before a pause ends.
async fn pace(queue: &mut Line, paused: watch::Receiver<Instant>, period: Duration) {
    let mut next_turn = Instant::now();
    while let Some(waiting) = queue.next().await {
        // Looked at again after each sleep: a pause asked meanwhile only
        // ever moves the instant later.
        loop {
            let due = next_turn.max(*paused.borrow());
            if due <= Instant::now() {
                break;
            }
            queue.meanwhile(sleep_until(due)).await;
        }
        // Sending on a oneshot never waits. A caller that gave up has
        // dropped its receiver: its turn goes to the next caller.
        if waiting.send(Instant::now()).is_ok() {
            // From now, not from the turn: a turn handed out late leaves
            // the one after it no time to catch up on.
            next_turn = Instant::now() + period;
        }
    }
}

/// The callers in line. The task takes them off the channel as they come,
/// while it waits for the next turn too, so that it can drop those that gave up:
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

/// The demonstration's rate, in requests a second.
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

    // A 503 is tried again, each attempt in a turn of its own, after pauses
    // of 0.5, 1 and 2 s; a 404 is the answer at once.
    for (path, status) in [("/status/503", 503), ("/status/404", 404)] {
        let outcome = match client.get(path).await {
            Ok((status, _)) => anyhow::bail!("{path}: {status}"),
            Err(error) => error,
        };
        let at = start.elapsed().as_secs_f64();
        println!("{path}: {outcome} [{at:.1}s]");
        // Another server, or one that never answers, ends otherwise: that
        // is an error, not a demonstration.
        let last = match &outcome {
            ApiError::GaveUp { last, .. } => last,
            error => error,
        };
        if !matches!(last, ApiError::Status(got) if got.as_u16() == status) {
            anyhow::bail!("{path} did not end as httpbin's would");
        }
    }
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
            client.wait_for_turn().await.unwrap();
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
        let gave_up = timeout(Duration::from_millis(100), client.wait_for_turn()).await;
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
        let mut held = std::pin::pin!(client.wait_for_turn());
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
                    client.wait_for_turn().await.unwrap();
                }
            }
        }));
        tokio::task::yield_now().await;
        let mut starved = 0;
        for _ in 0..5 {
            // The looping task's call is in line first: two slots, and a
            // third to spare.
            let patience = Duration::from_millis(300);
            if timeout(patience, client.wait_for_turn()).await.is_err() {
                starved += 1;
            }
        }
        assert_eq!(starved, 0, "{starved} of 5 calls starved");
    }

    /// Five callers queue in turn behind the first, then a sixth arrives:
    /// whether each got its slot after the one before it.
    async fn served_in_order(client: &Arc<RateLimitedClient>) -> bool {
        client.wait_for_turn().await.unwrap();
        let mut callers = Vec::new();
        for _ in 0..6 {
            let client = Arc::clone(client);
            // Polled once here, so that it is in line before the next. On
            // a busy machine its slot may have come by then.
            let mut queued = Box::pin(async move { client.wait_for_turn().await.unwrap() });
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
        let mut client = client(200);
        // No turn lapses here: this checks the line's order, and on a busy
        // machine a caller polled 5 ms after its turn would rightly ask again.
        client.period = Duration::MAX;
        let client = Arc::new(client);
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
        client.wait_for_turn().await.unwrap();
        let polls = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..callers)
            .map(|_| {
                let (client, polls) = (Arc::clone(&client), Arc::clone(&polls));
                let call = async move { client.wait_for_turn().await.unwrap() };
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
        limiter.wait_for_turn().await.unwrap();
        let mut waiting = Vec::new();
        for _ in 0..70 {
            let limiter = Arc::clone(&limiter);
            // Polled once here, so that all seventy are in line before the
            // held ones; then left to their own tasks.
            let mut call = Box::pin(async move { limiter.wait_for_turn().await.unwrap() });
            assert!(poll!(call.as_mut()).is_pending());
            waiting.push(AbortOnDropHandle::new(tokio::spawn(call)));
        }
        let mut held: Vec<_> = (0..64).map(|_| Box::pin(limiter.wait_for_turn())).collect();
        for caller in &mut held {
            assert!(poll!(caller.as_mut()).is_pending());
        }
        timeout(SECOND * 300, limiter.wait_for_turn())
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
        limiter.wait_for_turn().await.unwrap();
        let mut held: Vec<_> = (0..10).map(|_| Box::pin(limiter.wait_for_turn())).collect();
        for caller in &mut held {
            assert!(poll!(caller.as_mut()).is_pending());
        }
        sleep(SECOND * 20).await;
        let callers = held.into_iter().chain([Box::pin(limiter.wait_for_turn())]);
        let calls = join_all(callers.map(async |caller| {
            caller.await.unwrap();
            Instant::now()
        }))
        .await;
        assert_eq!(most_at_one_instant(&calls), 1, "{calls:?}");
    }

    /// A server that answers its `n`th request with `answers[n]`, or the
    /// last of them after that: a status line and its headers, or `None` to
    /// close the connection unanswered. Each request's instant is recorded.
    struct Server {
        url: String,
        asked_at: Arc<std::sync::Mutex<Vec<Instant>>>,
        _task: AbortOnDropHandle<()>,
    }

    async fn server(answers: &'static [Option<&'static str>]) -> Server {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

        let _ = rustls::crypto::ring::default_provider().install_default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let asked_at = Arc::new(std::sync::Mutex::new(Vec::new()));
        let task = tokio::spawn({
            let asked_at = Arc::clone(&asked_at);
            async move {
                loop {
                    let (socket, _) = listener.accept().await.unwrap();
                    let mut socket = BufReader::new(socket);
                    // The whole request head, so that closing resets nothing.
                    let mut line = String::new();
                    while socket.read_line(&mut line).await.unwrap() > 2 {
                        line.clear();
                    }
                    let n = {
                        let mut asked_at = asked_at.lock().unwrap();
                        asked_at.push(Instant::now());
                        asked_at.len() - 1
                    };
                    if let Some(answer) = answers[n.min(answers.len() - 1)] {
                        let answer = format!(
                            "HTTP/1.1 {answer}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                        );
                        socket.write_all(answer.as_bytes()).await.unwrap();
                    }
                    socket.shutdown().await.unwrap();
                }
            }
        });
        Server {
            url,
            asked_at,
            _task: AbortOnDropHandle::new(task),
        }
    }

    impl Server {
        /// When each request came, from `start`.
        fn asked_at(&self, start: Instant) -> Vec<Duration> {
            let asked_at = self.asked_at.lock().unwrap();
            asked_at.iter().map(|at| *at - start).collect()
        }
    }

    /// A server that keeps each connection open and answers every request
    /// on it 200, counting the connections it accepted.
    async fn keep_alive_server() -> (String, Arc<AtomicUsize>, AbortOnDropHandle<()>) {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

        let _ = rustls::crypto::ring::default_provider().install_default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let accepted = Arc::new(AtomicUsize::new(0));
        let task = tokio::spawn({
            let accepted = Arc::clone(&accepted);
            async move {
                let mut connections = tokio::task::JoinSet::new();
                loop {
                    let (socket, _) = listener.accept().await.unwrap();
                    accepted.fetch_add(1, Ordering::SeqCst);
                    connections.spawn(async move {
                        let mut socket = BufReader::new(socket);
                        let mut line = String::new();
                        loop {
                            // A request's head, up to its empty line.
                            loop {
                                line.clear();
                                match socket.read_line(&mut line).await {
                                    Ok(0) | Err(_) => return,
                                    Ok(_) if line == "\r\n" => break,
                                    Ok(_) => {}
                                }
                            }
                            let answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
                            if socket.write_all(answer.as_bytes()).await.is_err() {
                                return;
                            }
                        }
                    });
                }
            }
        });
        (url, accepted, AbortOnDropHandle::new(task))
    }

    /// A connection idle for longer than `POOL_IDLE` is not used again, so
    /// a server that closes it then can't close it under a request; one
    /// idle for less is, so paced requests share one connection.
    #[tokio::test(start_paused = true)]
    async fn a_connection_idle_past_pool_idle_is_not_used_again() {
        let (url, accepted, _server) = keep_alive_server().await;
        let client = RateLimitedClient::new(&url, NonZeroU32::new(5).unwrap()).unwrap();
        client.get("/").await.unwrap();
        sleep(POOL_IDLE / 2).await;
        client.get("/").await.unwrap();
        assert_eq!(
            accepted.load(Ordering::SeqCst),
            1,
            "used again within POOL_IDLE"
        );
        sleep(POOL_IDLE + Duration::from_millis(1)).await;
        client.get("/").await.unwrap();
        assert_eq!(
            accepted.load(Ordering::SeqCst),
            2,
            "used again past POOL_IDLE"
        );
    }

    fn client_of(server: &Server, per_second: u32) -> RateLimitedClient {
        let per_second = NonZeroU32::new(per_second).expect("a rate above zero");
        RateLimitedClient::new(&server.url, per_second).unwrap()
    }

    fn millis(all: &[u64]) -> Vec<Duration> {
        all.iter().map(|&ms| Duration::from_millis(ms)).collect()
    }

    /// A 429 asking for 2 s: the retry comes 2 s later, and a second
    /// caller, in line since 0.1 s, waits for the pause too, then goes
    /// first, a turn ahead of the retry.
    #[tokio::test(start_paused = true)]
    async fn a_retry_after_holds_every_callers_turn() {
        let server = server(&[
            Some("429 Too Many Requests\r\nRetry-After: 2"),
            Some("200 OK"),
        ])
        .await;
        let client = client_of(&server, 5);
        let start = Instant::now();
        let second = async {
            sleep(Duration::from_millis(100)).await;
            client.get("/second").await
        };
        let (first, second) = tokio::join!(client.get("/first"), second);
        assert!(first.is_ok() && second.is_ok(), "{first:?} {second:?}");
        assert_eq!(server.asked_at(start), millis(&[0, 2000, 2200]));
    }

    /// One turn a second, and a 503, then a closed connection, then an
    /// answer: the retries, asked for after pauses of 0.5 and 1 s, each wait
    /// for a turn of their own, so the server is asked once a second.
    #[tokio::test(start_paused = true)]
    async fn a_retry_takes_a_turn() {
        let server = server(&[Some("503 Service Unavailable"), None, Some("200 OK")]).await;
        let client = client_of(&server, 1);
        let start = Instant::now();
        client.get("/").await.unwrap();
        assert_eq!(server.asked_at(start), millis(&[0, 1000, 2000]));
    }

    /// A server that answers 503 for ever, and a call with 2 s: attempts at
    /// 0, 0.5 and 1.5 s; the next pause, 2 s, would end past the deadline,
    /// so the call ends at 1.5 s with the last error.
    #[tokio::test(start_paused = true)]
    async fn the_deadline_ends_the_retries() {
        let server = server(&[Some("503 Service Unavailable")]).await;
        let mut client = client_of(&server, 5);
        client.deadline = Duration::from_secs(2);
        let start = Instant::now();
        let error = client.get("/").await.unwrap_err();
        assert!(
            matches!(&error, ApiError::GaveUp { attempts: 3, last }
                if matches!(**last, ApiError::Status(StatusCode::SERVICE_UNAVAILABLE))),
            "{error:?}"
        );
        assert_eq!(start.elapsed(), Duration::from_millis(1500));
        assert_eq!(server.asked_at(start), millis(&[0, 500, 1500]));
    }

    /// A port nobody listens on: every attempt is made, after pauses of
    /// 0.5, 1 and 2 s, and the error says why.
    #[tokio::test(start_paused = true)]
    async fn a_refused_connection_is_tried_again() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", closed.local_addr().unwrap());
        drop(closed);
        let client = RateLimitedClient::new(&url, RATE).unwrap();
        let start = Instant::now();
        let error = client.get("/").await.unwrap_err();
        assert!(
            matches!(&error, ApiError::GaveUp { attempts: ATTEMPTS, last }
                if matches!(&**last, ApiError::Http(error) if error.is_connect())),
            "{error:?}"
        );
        assert_eq!(start.elapsed(), Duration::from_millis(3500));
    }

    /// A 404 is the answer: asked once.
    #[tokio::test(start_paused = true)]
    async fn another_client_error_is_not_tried_again() {
        let server = server(&[Some("404 Not Found")]).await;
        let client = client_of(&server, 5);
        let start = Instant::now();
        let error = client.get("/").await.unwrap_err();
        assert!(
            matches!(error, ApiError::Status(StatusCode::NOT_FOUND)),
            "{error:?}"
        );
        assert_eq!(server.asked_at(start), millis(&[0]));
    }

    /// One turn a second. A call given up by its caller's `timeout` during
    /// its pause after a 503 makes no more requests, and the next caller
    /// gets the next turn, at 1 s.
    #[tokio::test(start_paused = true)]
    async fn a_call_dropped_in_its_pause_makes_no_more_requests() {
        let server = server(&[Some("503 Service Unavailable"), Some("200 OK")]).await;
        let client = client_of(&server, 1);
        let start = Instant::now();
        let gave_up = timeout(Duration::from_millis(300), client.get("/dropped")).await;
        assert!(gave_up.is_err());
        client.get("/next").await.unwrap();
        sleep(SECOND * 10).await;
        assert_eq!(server.asked_at(start), millis(&[0, 1000]));
    }

    /// The callers that come while the task waits for the next turn, an hour
    /// away, are taken off the channel, and those that gave up are dropped:
    /// of 10,000, at most `KEPT_AT_LEAST` stay, and a caller behind them
    /// keeps its place.
    #[tokio::test(start_paused = true)]
    async fn callers_that_gave_up_do_not_pile_up_in_line() {
        const HOUR: Duration = Duration::from_secs(3600);
        let (_pause, paused) = watch::channel(Instant::now());
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
            () = pace(&mut line, paused, HOUR) => unreachable!("the channel is open"),
            () = give_ups => {}
        }

        let kept = line.taken.len() + line.channel.len();
        assert!(kept <= KEPT_AT_LEAST, "{kept} kept");
        line.next().await.unwrap().send(Instant::now()).unwrap();
        third_turn.await.unwrap();
    }
}
