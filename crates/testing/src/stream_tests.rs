//! Testing a `Stream`: collect it, check its items and, on the paused
//! clock, when each one arrived.
//!
//! As an async generator is drained with `async for`, a `Stream` is collected;
//! and a test can cheaply check that it ends, that taking a few stops it
//! early, and the exact virtual time of each item.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Unit Testing Async Functions" (the same
//!   approach, applied to an async iterator like the guide's `AsyncRange`)

use std::time::Duration;

use async_stream::stream;
use tokio::time::{Instant, sleep};
use tokio_stream::{Stream, StreamExt};

/// `start..end`, one number per `delay`: the guide's `AsyncRange`.
pub fn async_range(start: u32, end: u32, delay: Duration) -> impl Stream<Item = u32> {
    stream! {
        for number in start..end {
            sleep(delay).await;
            yield number;
        }
    }
}

pub async fn run() {
    let start = Instant::now();
    let mut numbers = std::pin::pin!(async_range(1, 5, Duration::from_millis(500)));
    while let Some(number) = numbers.next().await {
        println!("Number: {number} at {:.1}s", start.elapsed().as_secs_f64());
    }
    println!("Stream ended after {:.1}s", start.elapsed().as_secs_f64());
}

#[cfg(test)]
mod tests {
    use std::pin::pin;

    use super::*;

    const DELAY: Duration = Duration::from_millis(500);

    #[tokio::test(start_paused = true)]
    async fn yields_the_range_in_order() {
        let numbers: Vec<u32> = async_range(1, 5, DELAY).collect().await;
        assert_eq!(numbers, [1, 2, 3, 4]);
    }

    #[tokio::test(start_paused = true)]
    async fn an_empty_range_ends_at_once() {
        let start = Instant::now();
        let mut numbers = pin!(async_range(3, 3, DELAY));
        assert_eq!(numbers.next().await, None);
        assert_eq!(start.elapsed(), Duration::ZERO);
    }

    /// Each item arrives one delay after the previous one.
    #[tokio::test(start_paused = true)]
    async fn items_arrive_one_delay_apart() {
        let start = Instant::now();
        let arrivals: Vec<(u32, Duration)> = async_range(1, 4, DELAY)
            .map(|number| (number, start.elapsed()))
            .collect()
            .await;
        assert_eq!(
            arrivals,
            [(1, DELAY), (2, 2 * DELAY), (3, 3 * DELAY)],
            "(item, arrival time)"
        );
    }

    /// Taking two items stops the stream: the third is never waited for.
    #[tokio::test(start_paused = true)]
    async fn taking_the_first_items_stops_early() {
        let start = Instant::now();
        let first_two: Vec<u32> = async_range(1, 100, DELAY).take(2).collect().await;
        assert_eq!(first_two, [1, 2]);
        assert_eq!(start.elapsed(), 2 * DELAY);
    }

    /// `StreamExt::timeout` flags an item that is too slow.
    #[tokio::test(start_paused = true)]
    async fn a_slow_item_times_out() {
        let mut numbers = pin!(async_range(1, 3, DELAY).timeout(DELAY / 2));
        assert!(matches!(numbers.next().await, Some(Err(_))));
    }
}
