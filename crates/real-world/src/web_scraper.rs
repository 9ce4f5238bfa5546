//! The guide's `AsyncWebScraper`: at most two requests at a time, a polite
//! pause after each request, and a report of what succeeded and what failed.
//!
//! A `reqwest::Client` needs no `__aenter__`/`__aexit__`: it is ready when
//! built and closes when dropped. The semaphore's permit is the `async with
//! semaphore` block, held through the polite pause; the semaphore is fair.
//! The guide pauses only after a page it got, so a failing server is asked
//! again at once; here every request is followed by the pause. The guide
//! turns a non-200 into `None`; here a failure says what went wrong.
//! `/drip` stands in for the guide's `/delay` pages, which echo the request.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Web Scraping with Async"
//! - *Python Async/Await*, "Exercises" (exercise 1, with the limits a real
//!   scraper needs)

use std::error::Error;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::future::join_all;
use reqwest::Client;
use tokio::sync::Semaphore;
use tokio::time::{Instant, sleep};

#[derive(Debug, thiserror::Error)]
enum ScrapeError {
    #[error("{0}")]
    Status(reqwest::StatusCode),
    #[error("{}", with_cause(.0))]
    Request(reqwest::Error),
    #[error("the scraper is shut down")]
    Closed(#[from] tokio::sync::AcquireError),
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
    semaphore: Semaphore,
    delay: Duration,
    /// Only for the demonstration, which checks the limit.
    in_flight: InFlightCount,
}

impl AsyncWebScraper {
    fn new(max_concurrent: usize, delay: Duration) -> reqwest::Result<Self> {
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
            semaphore: Semaphore::new(max_concurrent),
            delay,
            in_flight: InFlightCount::default(),
        })
    }

    /// Fetches one page, waiting for a free slot first.
    async fn fetch_url(&self, url: &str) -> Result<String, ScrapeError> {
        let _permit = self.semaphore.acquire().await?;
        let _counted = self.in_flight.enter();
        let page = self.get(url).await;
        // Politeness after every request, failed or not, still holding the
        // slot: a server that fails fast would otherwise be asked again at
        // once.
        sleep(self.delay).await;
        page
    }

    async fn get(&self, url: &str) -> Result<String, ScrapeError> {
        let response = self.client.get(url).send().await?.error_for_status()?;
        Ok(response.text().await?)
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

const MAX_CONCURRENT: usize = 2;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

pub async fn run(base_url: &str) -> anyhow::Result<()> {
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
        println!("  {}: {error}", path(url));
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
    fn enter(&self) -> InFlight<'_> {
        let now = self.now.fetch_add(1, Ordering::Relaxed) + 1;
        self.most.fetch_max(now, Ordering::Relaxed);
        InFlight(self)
    }

    fn most(&self) -> usize {
        self.most.load(Ordering::Relaxed)
    }
}

/// Counts a request in flight for as long as it lives, so a fetch that is
/// cancelled (dropped at an `.await`) is uncounted too.
struct InFlight<'a>(&'a InFlightCount);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::Relaxed);
    }
}

/// reqwest's own message ("error sending request") and the innermost cause
/// ("Connection refused (os error 111)"), on one line.
fn with_cause(error: &reqwest::Error) -> String {
    let mut root: &dyn Error = error;
    while let Some(source) = root.source() {
        root = source;
    }
    if error.source().is_some() {
        format!("{error}: {root}")
    } else {
        error.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    /// A server that fails every request at once is still asked no faster
    /// than one polite pause after each answer.
    #[tokio::test(start_paused = true)]
    async fn the_pause_follows_a_failed_request_too() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let failing = axum::Router::new().fallback(|| async { StatusCode::INTERNAL_SERVER_ERROR });
        let server = tokio::spawn(axum::serve(listener, failing).into_future());

        let delay = Duration::from_millis(100);
        let scraper = AsyncWebScraper::new(1, delay).unwrap();
        let urls = ["a", "b", "c"].map(|page| format!("http://{address}/{page}"));
        let start = Instant::now();
        let (successful, failed) = scraper.scrape_multiple(&urls).await;
        assert_eq!((successful.len(), failed.len()), (0, 3));
        assert!(start.elapsed() >= 3 * delay, "{:?}", start.elapsed());
        server.abort();
    }
}
