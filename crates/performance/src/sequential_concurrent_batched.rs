//! Three I/O waits one after another take 1.5 s; together, 0.5 s; and 25
//! waits in batches of five, 0.5 s, as does a sliding window of five.
//!
//! A batch waits for its slowest item before the next starts; the usual Rust
//! form is a sliding window, `buffer_unordered(5)`, which starts the next the
//! moment any finishes. With equal waits the two take the same time; with
//! uneven ones the window wins. The guide's `cpu_bound_task` is never called.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Efficient Async Patterns"

use std::num::NonZeroUsize;
use std::time::Duration;

use futures::StreamExt;
use futures::future::join_all;
use futures::stream;
use tokio::time::{Instant, sleep};

async fn io_bound_task(delay: Duration) -> String {
    sleep(delay).await;
    format!("IO result after {}s", delay.as_secs_f64())
}

/// The guide's `process_batch`: each batch runs concurrently, batches in turn.
/// `NonZeroUsize`, since `chunks(0)` panics where the guide's `range(0, n, 0)`
/// raises `ValueError`.
async fn process_batch(items: &[u32], batch_size: NonZeroUsize) -> Vec<String> {
    let mut results = Vec::with_capacity(items.len());
    for batch in items.chunks(batch_size.get()) {
        let batch_results = join_all(
            batch
                .iter()
                .map(|_| io_bound_task(Duration::from_millis(100))),
        )
        .await;
        results.extend(batch_results);
    }
    results
}

/// At most `window` in flight; a new one starts whenever one finishes.
/// `NonZeroUsize`, since `buffer_unordered(0)` starts nothing and never ends.
async fn process_window(items: &[u32], window: NonZeroUsize) -> Vec<String> {
    stream::iter(items)
        .map(|_| io_bound_task(Duration::from_millis(100)))
        .buffer_unordered(window.get())
        .collect()
        .await
}

pub async fn run() {
    let half_second = Duration::from_millis(500);

    let start = Instant::now();
    let mut results = Vec::new();
    for _ in 0..3 {
        results.push(io_bound_task(half_second).await);
    }
    println!("Sequential: {}", seconds(start));

    let start = Instant::now();
    let concurrent = join_all((0..3).map(|_| io_bound_task(half_second))).await;
    println!("Concurrent: {}", seconds(start));
    assert_eq!(results, concurrent);

    const FIVE: NonZeroUsize = NonZeroUsize::new(5).expect("five is not zero");
    let items: Vec<u32> = (0..25).collect();
    let start = Instant::now();
    let results = process_batch(&items, FIVE).await;
    println!(
        "Batched processing: {} ({} results)",
        seconds(start),
        results.len()
    );

    let start = Instant::now();
    let results = process_window(&items, FIVE).await;
    println!(
        "Sliding window of 5: {} ({} results)",
        seconds(start),
        results.len()
    );
}

// What only feeds the printout: the elapsed times.

fn seconds(start: Instant) -> String {
    tenths(start.elapsed())
}

/// Elapsed time in tenths of a second, rounded down. On the real clock a
/// timer fires late, never early, and the lateness adds up over sequential
/// waits; rounding down prints the time the schedule gives as long as that
/// lateness stays under 0.1 s. On the paused clock the time is exact.
fn tenths(elapsed: Duration) -> String {
    let tenths = elapsed.as_millis() / 100;
    format!("{}.{}s", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The smallest size the type allows still processes every item, one at
    /// a time.
    #[tokio::test(start_paused = true)]
    async fn a_size_of_one_runs_the_items_in_turn() {
        let items: Vec<u32> = (0..3).collect();
        let start = Instant::now();
        assert_eq!(process_batch(&items, NonZeroUsize::MIN).await.len(), 3);
        assert_eq!(process_window(&items, NonZeroUsize::MIN).await.len(), 3);
        assert_eq!(start.elapsed(), Duration::from_millis(600));
    }
}
