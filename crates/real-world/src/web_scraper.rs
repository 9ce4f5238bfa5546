//! The guide's `AsyncWebScraper`: at most two requests at a time, a polite
//! pause after each request, and a report of what succeeded and what failed.
//!
//! A `reqwest::Client` needs no `__aenter__`/`__aexit__`: it is ready when
//! built and closes when dropped. Each fetch runs in a task that holds the
//! semaphore's permit (`async with semaphore`) through the polite pause, so a
//! caller that stops polling keeps no slot (`pitfalls/futurelock` says why).
//! The guide pauses only after a page it got, so a failing server is asked
//! again at once; here every request is followed by the pause.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Web Scraping with Async"
//! - *Python Async/Await*, "Exercises" (exercise 1, with the limits a real
//!   scraper needs)

use std::error::Error;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::future::join_all;
use reqwest::Client;
use tokio::sync::Semaphore;
use tokio::task::JoinError;
use tokio::time::{Instant, sleep};
use tokio_util::task::AbortOnDropHandle;

/// What went wrong with a page, where the guide turns a non-200 into `None`.
#[derive(Debug, thiserror::Error)]
enum ScrapeError {
    #[error("{0}")]
    Status(reqwest::StatusCode),
    #[error(transparent)]
    Request(reqwest::Error),
    #[error("the page is longer than {MAX_PAGE} bytes")]
    TooLong,
    #[error("the scraper is shut down")]
    Closed(#[from] tokio::sync::AcquireError),
    /// The fetch's task panicked, or the runtime is shutting down.
    #[error("the fetch ended without a result")]
    Lost(#[source] JoinError),
}

impl From<reqwest::Error> for ScrapeError {
    fn from(error: reqwest::Error) -> Self {
        match error.status() {
            Some(status) => ScrapeError::Status(status),
            // The URL holds the server's port; the report names the page.
            None => ScrapeError::Request(error.without_url()),
        }
    }
}

struct AsyncWebScraper {
    client: Client,
    semaphore: Arc<Semaphore>,
    delay: Duration,
    /// Only for the demonstration, which checks the limit.
    in_flight: Arc<InFlightCount>,
}

impl AsyncWebScraper {
    fn new(max_concurrent: usize, delay: Duration) -> anyhow::Result<Self> {
        // No room at all would leave every request waiting for ever.
        anyhow::ensure!(
            max_concurrent > 0,
            "a scraper needs room for at least one request at a time"
        );
        Ok(Self {
            // reqwest has no timeout by default, and `connect_timeout` ends
            // only a connect that hangs: a server that accepts and then
            // stalls would hold a request, and its slot, for ever.
            // `timeout` bounds the whole request, from connecting to the end
            // of the body; the slowest page here takes 2 s.
            client: Client::builder()
                .connect_timeout(Duration::from_secs(5))
                .timeout(REQUEST_TIMEOUT)
                .build()?,
            // A Tokio semaphore holds at most `MAX_PERMITS` (2^61 - 1 on
            // 64 bits) and panics past it; so many is no limit.
            semaphore: Arc::new(Semaphore::new(max_concurrent.min(Semaphore::MAX_PERMITS))),
            delay,
            in_flight: Arc::default(),
        })
    }

    /// Fetches one page, waiting for a free slot first, in a task that a
    /// dropped future aborts.
    async fn fetch_url(&self, url: &str) -> Result<String, ScrapeError> {
        let semaphore = Arc::clone(&self.semaphore);
        let (client, url, delay) = (self.client.clone(), url.to_owned(), self.delay);
        let in_flight = Arc::clone(&self.in_flight);
        let fetch = tokio::spawn(async move {
            let _permit = semaphore.acquire().await?;
            let _counted = in_flight.enter();
            let page = get(&client, &url).await;
            // Politeness after every request, failed or not, still holding
            // the slot: a server that fails fast would otherwise be asked
            // again at once.
            sleep(delay).await;
            page
        });
        AbortOnDropHandle::new(fetch)
            .await
            .map_err(ScrapeError::Lost)?
    }

    /// Every URL concurrently; the semaphore keeps `max_concurrent` of them
    /// in flight. Like `gather(return_exceptions=True)`, each result comes
    /// back in its URL's place.
    async fn scrape_multiple<'a>(
        &self,
        urls: &'a [String],
    ) -> (Vec<(&'a str, usize)>, Vec<(&'a str, ScrapeError)>) {
        let pages = join_all(urls.iter().map(|url| self.fetch_url(url))).await;
        let mut successful = Vec::new();
        let mut failed = Vec::new();
        for (url, page) in urls.iter().zip(pages) {
            match page {
                Ok(content) => successful.push((url.as_str(), content.chars().count())),
                Err(error) => failed.push((url.as_str(), error)),
            }
        }
        (successful, failed)
    }
}

async fn get(client: &Client, url: &str) -> Result<String, ScrapeError> {
    let mut response = client.get(url).send().await?.error_for_status()?;
    // A page announced too long is refused before any of it is read.
    if response
        .content_length()
        .is_some_and(|length| length > MAX_PAGE as u64)
    {
        return Err(ScrapeError::TooLong);
    }
    let mut page = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if page.len() + chunk.len() > MAX_PAGE {
            return Err(ScrapeError::TooLong);
        }
        page.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8_lossy(&page).into_owned())
}

const MAX_CONCURRENT: usize = 2;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest page kept, in bytes; a longer one is a failure. (`text()`
/// would hold a page of any length.)
const MAX_PAGE: usize = 1024 * 1024;

pub async fn run(base_url: &str) -> anyhow::Result<()> {
    // `/drip` stands in for the guide's `/delay` pages, which echo the
    // request.
    let urls = [
        "/drip?duration=1&numbytes=10",
        "/drip?duration=2&numbytes=20",
        "/json",
        "/html",
        "/status/404",
        "/status/500",
    ]
    .map(|path| format!("{base_url}{path}"));
    let scraper = AsyncWebScraper::new(MAX_CONCURRENT, Duration::from_millis(100))?;
    let start = Instant::now();
    let (successful, failed) = scraper.scrape_multiple(&urls).await;
    let elapsed = start.elapsed().as_secs_f64();

    // Paths, not URLs: the local server's port changes from run to run.
    let path = |url: &str| url.strip_prefix(base_url).unwrap_or(url).to_owned();
    println!("Successful scrapes:");
    for (url, characters) in &successful {
        println!("  {}: {characters} characters", path(url));
    }
    println!("Failed scrapes:");
    for (url, error) in &failed {
        println!("  {}: {}", path(url), report(error));
    }
    let most = scraper.in_flight.most();
    println!(
        "Scraped {} URLs in {elapsed:.1}s, at most {most} at a time",
        urls.len()
    );
    assert!(most <= MAX_CONCURRENT, "{most} requests in flight");

    anyhow::ensure!(
        !successful.is_empty(),
        "no page could be scraped from {base_url}"
    );
    Ok(())
}

// What only proves the limit: how many requests are in flight at once.

/// The requests in flight now, and the most there ever were.
#[derive(Default)]
struct InFlightCount {
    now: AtomicUsize,
    most: AtomicUsize,
}

impl InFlightCount {
    fn enter(self: &Arc<Self>) -> InFlight {
        let now = self.now.fetch_add(1, Ordering::Relaxed) + 1;
        self.most.fetch_max(now, Ordering::Relaxed);
        InFlight(Arc::clone(self))
    }

    fn most(&self) -> usize {
        self.most.load(Ordering::Relaxed)
    }
}

/// Counts a request in flight for as long as it lives, so a fetch that is
/// cancelled (dropped at an `.await`) is uncounted too.
struct InFlight(Arc<InFlightCount>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The error and each of its sources, joined with ": " (see the book's
/// page "Errors in async code").
fn report(error: &(dyn Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(source) = cause {
        text = format!("{text}: {source}");
        cause = source.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use std::pin::pin;

    use axum::http::StatusCode;
    use tokio::time::timeout;

    use super::*;

    /// A local server answering every path with `status`, until dropped.
    async fn serve(status: StatusCode) -> (std::net::SocketAddr, AbortOnDropHandle<()>) {
        serve_app(axum::Router::new().fallback(move || async move { status })).await
    }

    /// A local server running `app`, until dropped.
    async fn serve_app(app: axum::Router) -> (std::net::SocketAddr, AbortOnDropHandle<()>) {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (address, AbortOnDropHandle::new(server))
    }

    /// A server that fails every request at once is still asked no faster
    /// than one polite pause after each answer.
    #[tokio::test(start_paused = true)]
    async fn the_pause_follows_a_failed_request_too() {
        let (address, _server) = serve(StatusCode::INTERNAL_SERVER_ERROR).await;
        let delay = Duration::from_millis(100);
        let scraper = AsyncWebScraper::new(1, delay).unwrap();
        let urls = ["a", "b", "c"].map(|page| format!("http://{address}/{page}"));
        let start = Instant::now();
        let (successful, failed) = scraper.scrape_multiple(&urls).await;
        assert_eq!((successful.len(), failed.len()), (0, 3));
        assert!(start.elapsed() >= 3 * delay, "{:?}", start.elapsed());
    }

    /// A page past `MAX_PAGE` is an error, not a page held whole.
    #[tokio::test]
    async fn a_page_too_long_is_an_error() {
        let app = axum::Router::new()
            .route(
                "/fits",
                axum::routing::get(|| async { vec![b'x'; MAX_PAGE] }),
            )
            .route(
                "/long",
                axum::routing::get(|| async { vec![b'x'; MAX_PAGE + 1] }),
            );
        let (address, _server) = serve_app(app).await;
        let scraper = AsyncWebScraper::new(2, Duration::ZERO).unwrap();
        let urls = ["fits", "long"].map(|page| format!("http://{address}/{page}"));
        let (successful, failed) = scraper.scrape_multiple(&urls).await;
        assert_eq!(successful, [(urls[0].as_str(), MAX_PAGE)]);
        assert!(
            matches!(failed[..], [(_, ScrapeError::TooLong)]),
            "{failed:?}"
        );
    }

    /// No room for a request would leave every fetch waiting for ever; so
    /// many that a semaphore can't count them is no limit.
    #[test]
    fn no_room_for_a_request_is_an_error() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let no_room = AsyncWebScraper::new(0, Duration::ZERO).err();
        let error = no_room.expect("a scraper with room for no request");
        assert!(
            error.to_string().contains("at least one request"),
            "{error}"
        );
        assert!(AsyncWebScraper::new(usize::MAX, Duration::ZERO).is_ok());
    }

    /// A caller polled once and then neither polled again nor dropped
    /// keeps no slot: its fetch runs on in its task, and gives the slot up.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_stalls_no_other_caller() {
        let (address, _server) = serve(StatusCode::OK).await;
        let scraper = AsyncWebScraper::new(1, Duration::from_millis(100)).unwrap();
        let url = format!("http://{address}/");
        let mut held = pin!(scraper.fetch_url(&url));
        assert!(futures::poll!(held.as_mut()).is_pending());
        let others = join_all((0..2).map(|_| scraper.fetch_url(&url)));
        let pages = timeout(2 * REQUEST_TIMEOUT, others)
            .await
            .expect("the others wait for ever");
        assert!(pages.iter().all(Result::is_ok), "{pages:?}");
    }
}
