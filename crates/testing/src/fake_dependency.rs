//! Mocking through a trait: the calculator takes its data source as a
//! parameter, and the test hands it a hand-written fake that records calls.
//!
//! Rust can't patch a method as `patch.object` does, and needs not: code takes
//! its dependency through a trait, and the test passes a fake that returns
//! what it was told and records what it was asked (`mockall` generates them
//! where there are many). The seam is the fetch, not the guide's `add_async`.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Unit Testing Async Functions"
//!   (`async_test_with_mock`: `patch.object` with an `AsyncMock`)

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context;
use tokio::task::JoinHandle;
use tokio::time::sleep;
use tokio_util::task::AbortOnDropHandle;

#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum FetchError {
    #[error("{url} is unreachable")]
    Unreachable { url: String },
}

/// Where the calculator's input comes from. `fetch` promises a `Send`
/// future, so generic code over any `DataSource` can be spawned.
pub trait DataSource {
    fn fetch(&self, url: &str) -> impl Future<Output = Result<i64, FetchError>> + Send;
}

/// Stands in for the network, with the guide's answer, 42.
pub struct SlowSource;

impl DataSource for SlowSource {
    async fn fetch(&self, _url: &str) -> Result<i64, FetchError> {
        sleep(Duration::from_millis(200)).await;
        Ok(42)
    }
}

pub struct AsyncCalculator<S> {
    source: S,
}

impl<S: DataSource> AsyncCalculator<S> {
    pub fn new(source: S) -> Self {
        Self { source }
    }

    pub async fn add(&self, a: i64, b: i64) -> i64 {
        sleep(Duration::from_millis(100)).await;
        a + b
    }

    pub async fn fetch_and_calculate(&self, url: &str) -> Result<i64, FetchError> {
        let data = self.source.fetch(url).await?;
        Ok(self.add(data, 10).await)
    }
}

/// Generic over the source, and spawned: this compiles because
/// `DataSource::fetch` promises a `Send` future.
pub fn spawn_calculation<S>(
    calculator: Arc<AsyncCalculator<S>>,
    url: String,
) -> JoinHandle<Result<i64, FetchError>>
where
    S: DataSource + Send + Sync + 'static,
{
    tokio::spawn(async move { calculator.fetch_and_calculate(&url).await })
}

/// A fake source: answers with a fixed result and remembers every URL.
pub struct FakeSource {
    answer: Result<i64, FetchError>,
    calls: Mutex<Vec<String>>,
}

impl FakeSource {
    pub fn answering(answer: Result<i64, FetchError>) -> Self {
        Self {
            answer,
            calls: Mutex::new(Vec::new()),
        }
    }

    pub fn calls(&self) -> Vec<String> {
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl DataSource for FakeSource {
    async fn fetch(&self, url: &str) -> Result<i64, FetchError> {
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(url.to_owned());
        self.answer.clone()
    }
}

/// Lets a test keep the fake after handing it to the calculator.
impl<S: DataSource> DataSource for &S {
    fn fetch(&self, url: &str) -> impl Future<Output = Result<i64, FetchError>> + Send {
        (**self).fetch(url)
    }
}

/// The future `DynDataSource` returns: boxed, so every source returns the
/// same type, which is what a trait object needs.
pub type BoxedFetch<'a> = Pin<Box<dyn Future<Output = Result<i64, FetchError>> + Send + 'a>>;

/// The dyn-compatible twin of `DataSource`; every `DataSource` is one.
pub trait DynDataSource: Send + Sync {
    fn fetch_boxed<'a>(&'a self, url: &'a str) -> BoxedFetch<'a>;
}

impl<S: DataSource + Send + Sync> DynDataSource for S {
    fn fetch_boxed<'a>(&'a self, url: &'a str) -> BoxedFetch<'a> {
        Box::pin(self.fetch(url))
    }
}

/// A source chosen at run time works wherever a `DataSource` is expected:
/// the shape `basics/async_traits` explains, with one difference. The
/// calculator owns its source, so the `Box<dyn DynDataSource>` itself is the
/// `DataSource`, where `async_traits` implements its trait for `dyn DynStore`
/// and lends it (`&*store`).
impl DataSource for Box<dyn DynDataSource> {
    async fn fetch(&self, url: &str) -> Result<i64, FetchError> {
        // `**self` is the `dyn DynDataSource` inside. `self.fetch_boxed`
        // would find the blanket impl for the `Box` itself first, which
        // calls this method again, forever.
        (**self).fetch_boxed(url).await
    }
}

pub async fn run() -> anyhow::Result<()> {
    let url = "http://example.com";
    let calculator = AsyncCalculator::new(SlowSource);
    println!(
        "With the real source: {}",
        calculator.fetch_and_calculate(url).await?
    );

    let fake = FakeSource::answering(Ok(90));
    let calculator = AsyncCalculator::new(&fake);
    println!(
        "With a fake answering 90: {}",
        calculator.fetch_and_calculate(url).await?
    );
    println!("The fake was asked for: {:?}", fake.calls());

    let failing = FakeSource::answering(Err(FetchError::Unreachable {
        url: url.to_owned(),
    }));
    let calculator = AsyncCalculator::new(&failing);
    match calculator.fetch_and_calculate(url).await {
        Ok(result) => println!("With a failing fake: {result} (unexpected)"),
        Err(error) => println!("With a failing fake: error: {error}"),
    }

    let calculator = Arc::new(AsyncCalculator::new(FakeSource::answering(Ok(1))));
    // Aborted if dropped: a cancelled `run` leaves no calculation running.
    let spawned = AbortOnDropHandle::new(spawn_calculation(calculator, url.to_owned()))
        .await
        .context("the spawned calculation panicked")??;
    println!("Spawned, generic over the source: {spawned}");

    let sources: [Box<dyn DynDataSource>; 2] = [
        Box::new(SlowSource),
        Box::new(FakeSource::answering(Ok(90))),
    ];
    for source in sources {
        let result = AsyncCalculator::new(source)
            .fetch_and_calculate(url)
            .await?;
        println!("Through Box<dyn DynDataSource>: {result}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "http://example.com";

    #[tokio::test(start_paused = true)]
    async fn adds_ten_to_what_the_source_returns() {
        let fake = FakeSource::answering(Ok(90));
        let result = AsyncCalculator::new(&fake).fetch_and_calculate(URL).await;
        assert_eq!(result, Ok(100));
    }

    /// `mock_add.assert_called_once_with(...)`, for the fetch.
    #[tokio::test(start_paused = true)]
    async fn asks_the_source_once_for_the_url() {
        let fake = FakeSource::answering(Ok(42));
        AsyncCalculator::new(&fake)
            .fetch_and_calculate(URL)
            .await
            .expect("the fake answers");
        assert_eq!(fake.calls(), [URL]);
    }

    #[tokio::test(start_paused = true)]
    async fn passes_a_fetch_error_on() {
        let error = FetchError::Unreachable {
            url: URL.to_owned(),
        };
        let fake = FakeSource::answering(Err(error.clone()));
        let result = AsyncCalculator::new(&fake).fetch_and_calculate(URL).await;
        assert_eq!(result, Err(error));
    }

    #[tokio::test(start_paused = true)]
    async fn the_real_source_answers_42() {
        let result = AsyncCalculator::new(SlowSource)
            .fetch_and_calculate(URL)
            .await;
        assert_eq!(result, Ok(52));
    }

    /// On worker threads, where `Send` is not optional.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_generic_calculation_runs_on_the_multi_thread_runtime() {
        let calculator = Arc::new(AsyncCalculator::new(FakeSource::answering(Ok(5))));
        let result = spawn_calculation(Arc::clone(&calculator), URL.to_owned())
            .await
            .expect("the task does not panic");
        assert_eq!(result, Ok(15));
        assert_eq!(calculator.source.calls(), [URL]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_boxed_source_forwards_to_the_one_inside() {
        let source: Box<dyn DynDataSource> = Box::new(FakeSource::answering(Ok(-10)));
        let result = AsyncCalculator::new(source).fetch_and_calculate(URL).await;
        assert_eq!(result, Ok(0));
    }
}
