//! `#[tokio::test]` runs an async test on a runtime of its own; with
//! `start_paused = true` the test's sleeps take no real time.
//!
//! The guide's `unittest.TestCase` can't await, so it writes each test twice:
//! the assertions, and a wrapper that hands them to `asyncio.run`.
//! `#[tokio::test]` is that wrapper, built in, a fresh runtime per test; the
//! paused clock still measures exactly (the book's page "Testing async code").
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

// `cargo test -p testing` runs these. The guide's two take 0.1 s and 0.3 s
// of real time; the last two, on the paused clock, none.
#[cfg(test)]
mod tests {
    use tokio::time::Instant;

    use super::*;

    /// The guide's fixture (its `setUp`, its `@pytest.fixture`): a plain
    /// function that each test calls.
    fn calculator() -> AsyncCalculator {
        AsyncCalculator
    }

    #[tokio::test]
    async fn add() {
        assert_eq!(calculator().add(2, 3).await, 5);
    }

    #[tokio::test]
    async fn fetch_and_calculate() {
        let result = calculator().fetch_and_calculate("http://example.com").await;
        assert_eq!(result, 52);
    }

    /// The paused clock measures the calculator's waiting exactly, without
    /// waiting: the fetch (0.2 s) and the addition (0.1 s) run one after the
    /// other.
    #[tokio::test(start_paused = true)]
    async fn fetch_and_calculate_waits_for_the_fetch_then_the_addition() {
        let start = Instant::now();
        let result = calculator().fetch_and_calculate("http://example.com").await;
        assert_eq!(result, 52);
        assert_eq!(start.elapsed(), Duration::from_millis(300));
    }

    /// Two additions joined wait side by side: 0.1 s, not 0.2 s.
    #[tokio::test(start_paused = true)]
    async fn joined_additions_overlap() {
        let start = Instant::now();
        let calculator = calculator();
        let (a, b) = tokio::join!(calculator.add(1, 2), calculator.add(3, 4));
        assert_eq!((a, b), (3, 7));
        assert_eq!(start.elapsed(), Duration::from_millis(100));
    }
}
