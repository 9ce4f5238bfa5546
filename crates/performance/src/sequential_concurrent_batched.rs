//! Three I/O waits one after another take 1.5 s; together, 0.5 s; and 25
//! waits in batches of five, 0.5 s, as does a sliding window of five.
//!
//! Times are on Tokio's clock, rounded down to a tenth, so a timer firing a
//! little late doesn't show. A batch waits for its slowest item before the
//! next starts; the usual Rust form is a sliding window,
//! `buffer_unordered(5)`, which starts the next the moment any finishes. With
//! equal waits the two take the same time; with uneven ones the window wins.
//! The guide's `cpu_bound_task` is never called.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Efficient Async Patterns"

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
async fn process_batch(items: &[u32], batch_size: usize) -> Vec<String> {
    let mut results = Vec::with_capacity(items.len());
    for batch in items.chunks(batch_size) {
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
async fn process_window(items: &[u32], window: usize) -> Vec<String> {
    stream::iter(items)
        .map(|_| io_bound_task(Duration::from_millis(100)))
        .buffer_unordered(window)
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

    let items: Vec<u32> = (0..25).collect();
    let start = Instant::now();
    let results = process_batch(&items, 5).await;
    println!(
        "Batched processing: {} ({} results)",
        seconds(start),
        results.len()
    );

    let start = Instant::now();
    let results = process_window(&items, 5).await;
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
