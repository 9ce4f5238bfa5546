//! An API client that sends at most five requests a second, however many
//! tasks share it, each request with a time limit and a size limit on the
//! answer.
//!
//! asyncio has no rate limiter; the usual one is an `asyncio.Lock` around
//! "sleep until the next free slot" (or the `aiolimiter` package). Here `get`
//! takes the next tick of a 0.2 s `interval` behind a fair `tokio::sync::Mutex`,
//! then sends through one `reqwest::Client`. It spaces requests out but does
//! not cap those in flight (add a `Semaphore`); a `429` means waiting as its
//! `Retry-After` says; `governor` handles bursts and many keys.
//!
//! What not to undo when you copy it:
//! - `MissedTickBehavior::Delay`: after a quiet spell the first request goes
//!   at once and the next a period later (in `run`, at 3.4, 3.6 and 3.8 s),
//!   where `Burst` would send all three together.
//! - The tick taken while the lock is held, with a Tokio `Mutex`: waiters
//!   are served in order, and a cancelled caller loses no slot (`tick` is
//!   cancel safe).
//! - The time limit on each request and the size limit on the body.

use std::num::NonZeroU32;
use std::time::Duration;

use futures::future::join_all;
use reqwest::{Client, StatusCode};
use tokio::sync::Mutex;
use tokio::time::{Instant, Interval, MissedTickBehavior, interval, sleep};

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
    #[error(transparent)]
    Http(#[from] reqwest::Error),
}

pub struct RateLimitedClient {
    http: Client,
    base_url: String,
    ticks: Mutex<Interval>,
}

impl RateLimitedClient {
    /// A client for `base_url` that sends at most `per_second` requests a
    /// second. Call it inside the runtime: the interval starts at once.
    pub fn new(base_url: &str, per_second: NonZeroU32) -> Result<Self, ApiError> {
        // Past a billion a second the period would round down to zero,
        // which `interval` refuses with a panic.
        let period = (Duration::from_secs(1) / per_second.get()).max(Duration::from_nanos(1));
        let mut ticks = interval(period);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        Ok(RateLimitedClient {
            http: Client::builder().timeout(REQUEST_TIMEOUT).build()?,
            base_url: base_url.to_owned(),
            ticks: Mutex::new(ticks),
        })
    }

    /// `GET {base_url}{path}`, when the rate allows: the status and body.
    pub async fn get(&self, path: &str) -> Result<(StatusCode, Vec<u8>), ApiError> {
        self.ticks.lock().await.tick().await;
        let mut response = self
            .http
            .get(format!("{}{path}", self.base_url))
            .send()
            .await?;
        let status = response.status();
        if !status.is_success() {
            return Err(ApiError::Status(status));
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
/// slot is up to the lock's queue, while the slots are what the limit
/// decides.
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
