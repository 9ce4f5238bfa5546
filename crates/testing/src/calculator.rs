//! `#[tokio::test]` runs an async test on a runtime of its own; with
//! `start_paused = true` the test's sleeps take no real time.
//!
//! The guide's tests are a plain `unittest.TestCase`, which cannot await, so
//! it writes every test twice: an `async_test_*` method with the assertions,
//! and a `test_*` wrapper that hands it to `asyncio.run`. (Python 3.8's
//! `unittest.IsolatedAsyncioTestCase`, or `pytest-asyncio`, as the guide
//! suggests, removes the wrappers.) `#[tokio::test]` is that wrapper, built
//! in: it builds a current-thread runtime for the test and `block_on`s the
//! test body on it. Each test gets a fresh runtime, so no task, timer or
//! paused clock carries over from one test to the next; statics and other
//! process-wide state are still shared, and `cargo test` runs the tests in
//! parallel threads of one process. `#[tokio::test(flavor =
//! "multi_thread")]` asks for worker threads instead.
//!
//! The calculator's sleeps stand for real work. `add` and
//! `fetch_and_calculate`, the guide's two tests, run on the real clock and
//! take 0.1 s and 0.3 s. The last two tests use `start_paused = true`:
//! Tokio's clock then moves only when every task is waiting, and jumps
//! straight to the next timer, so they take no time and still see the exact
//! 0.3 s.
//!
//! The tests are the point of this file: `cargo test -p testing` runs them.
//! Running the example shows what they check.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Unit Testing Async Functions"
//!   (`AsyncCalculator`, `test_add`, `test_fetch_and_calculate`)

use std::time::Duration;

use tokio::time::sleep;

pub struct AsyncCalculator;

impl AsyncCalculator {
    pub async fn add(&self, a: i64, b: i64) -> i64 {
        sleep(Duration::from_millis(100)).await;
        a + b
    }

    /// Pretends to fetch a number from `url`, then adds ten to it.
    pub async fn fetch_and_calculate(&self, _url: &str) -> i64 {
        sleep(Duration::from_millis(200)).await;
        let data = 42;
        self.add(data, 10).await
    }
}

pub async fn run() {
    let calculator = AsyncCalculator;
    let start = tokio::time::Instant::now();
    println!("add(2, 3) = {}", calculator.add(2, 3).await);
    let result = calculator.fetch_and_calculate("http://example.com").await;
    println!("fetch_and_calculate(\"http://example.com\") = {result}");
    println!("Both took {:.1}s", start.elapsed().as_secs_f64());
}

#[cfg(test)]
mod tests {
    use tokio::time::Instant;

    use super::*;

    #[tokio::test]
    async fn add() {
        assert_eq!(AsyncCalculator.add(2, 3).await, 5);
    }

    #[tokio::test]
    async fn fetch_and_calculate() {
        let result = AsyncCalculator
            .fetch_and_calculate("http://example.com")
            .await;
        assert_eq!(result, 52);
    }

    /// The paused clock measures the calculator's waiting exactly, without
    /// waiting: the fetch (0.2 s) and the addition (0.1 s) run one after the
    /// other.
    #[tokio::test(start_paused = true)]
    async fn fetch_and_calculate_waits_for_the_fetch_then_the_addition() {
        let start = Instant::now();
        let result = AsyncCalculator
            .fetch_and_calculate("http://example.com")
            .await;
        assert_eq!(result, 52);
        assert_eq!(start.elapsed(), Duration::from_millis(300));
    }

    /// Two additions joined wait side by side: 0.1 s, not 0.2 s.
    #[tokio::test(start_paused = true)]
    async fn joined_additions_overlap() {
        let start = Instant::now();
        let calculator = AsyncCalculator;
        let (a, b) = tokio::join!(calculator.add(1, 2), calculator.add(3, 4));
        assert_eq!((a, b), (3, 7));
        assert_eq!(start.elapsed(), Duration::from_millis(100));
    }
}
