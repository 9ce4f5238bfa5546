//! Limiting how many operations run at once: a semaphore around each one,
//! or a stream that keeps a fixed number in flight.
//!
//! `async with semaphore:` is a permit held while the operation runs, given
//! back on every path out. Over a list of inputs the stream form needs no
//! semaphore: `stream::iter(items).map(process).buffer_unordered(10)` makes
//! the futures lazily and never holds more than ten, where `gather` over a
//! hundred guarded coroutines holds them all.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Performance Tips" (3, limit concurrency with semaphores)

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::StreamExt;
use futures::future::join_all;
use futures::stream;
use tokio::sync::{AcquireError, Semaphore};
use tokio::time::{Instant, sleep};

const LIMIT: usize = 10;

pub async fn run() -> Result<(), AcquireError> {
    let large_dataset: Vec<u32> = (0..100).collect();

    let semaphore = Semaphore::new(LIMIT);
    let in_flight = InFlight::default();
    let bounded_operation = async |item| {
        let _permit = semaphore.acquire().await?;
        Ok::<_, AcquireError>(in_flight.process_item(item).await)
    };
    let start = Instant::now();
    let results = join_all(large_dataset.iter().map(|&item| bounded_operation(item)))
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    assert!(in_flight.peak() <= LIMIT, "{} at once", in_flight.peak());
    println!(
        "Semaphore({LIMIT}): {} items in {}, at most {LIMIT} at once",
        results.len(),
        tenths(start.elapsed())
    );

    let in_flight = InFlight::default();
    let start = Instant::now();
    let results: Vec<String> = stream::iter(large_dataset.iter().copied())
        .map(|item| in_flight.process_item(item))
        .buffer_unordered(LIMIT)
        .collect()
        .await;
    assert!(in_flight.peak() <= LIMIT, "{} at once", in_flight.peak());
    println!(
        "buffer_unordered({LIMIT}): {} items in {}, at most {LIMIT} at once",
        results.len(),
        tenths(start.elapsed())
    );
    Ok(())
}

/// Elapsed time in tenths of a second, rounded down. On the real clock a
/// timer fires late, never early, and the lateness adds up over sequential
/// waits; rounding down prints the time the schedule gives as long as that
/// lateness stays under 0.1 s. On the paused clock the time is exact.
fn tenths(elapsed: Duration) -> String {
    let tenths = elapsed.as_millis() / 100;
    format!("{}.{}s", tenths / 10, tenths % 10)
}

// What only proves the limit: how many operations run at once.

/// Counts the operations in progress and the most there ever were.
#[derive(Default)]
struct InFlight {
    now: AtomicUsize,
    peak: AtomicUsize,
}

impl InFlight {
    async fn process_item(&self, item: u32) -> String {
        // Nothing here drops this future before it ends, so the count can't
        // be left high. Where a caller may cancel it (a timeout, `select!`),
        // count through a guard that decrements in `Drop`, as
        // synchronization/semaphore does.
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        sleep(Duration::from_millis(100)).await;
        self.now.fetch_sub(1, Ordering::SeqCst);
        format!("processed {item}")
    }

    fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }
}
