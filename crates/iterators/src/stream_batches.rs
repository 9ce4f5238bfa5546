//! Processing a stream with bounded concurrency and in batches:
//! `buffered`, `buffer_unordered` and `chunks`.
//!
//! The guide makes a task per item, a `Semaphore(5)` that never limits
//! anything (items take 0.05 s and arrive 0.1 s apart), and a barrier every
//! ten items, where nothing is read from the source. Here processing is
//! slower than the source: `buffered(5)` keeps five in flight, pulling the
//! next reading only as a result leaves, and `chunks(10)` batches the results.
//! Why `buffered` blocks behind a slow item: the book's page "Streams and
//! async iteration".
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Async Streaming" (`stream_processor`)

use std::cell::Cell;
use std::pin::pin;
use std::time::Duration;

use async_stream::stream;
use futures::stream::{self, Stream, StreamExt};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use tokio::time::{Instant, MissedTickBehavior, interval_at, sleep};

const SEED: u64 = 50;
const CONCURRENCY: usize = 5;

struct Reading {
    id: u32,
    value: u32,
    arrived: String,
}

struct Processed {
    id: u32,
    value: u32,
    doubled_value: u32,
    arrived: String,
}

/// The guide's `data_stream`: `count` readings, one every 0.1 s. An
/// `interval` keeps to that schedule: its ticks are due at fixed instants,
/// so one late wake-up does not delay every later reading, as a chain of
/// `sleep`s would.
fn data_stream(count: u32, start: Instant) -> impl Stream<Item = Reading> {
    stream! {
        let mut rng = ChaCha8Rng::seed_from_u64(SEED);
        let period = Duration::from_millis(100);
        let mut ticks = interval_at(start + period, period);
        // Read late, the source misses ticks. `Skip` drops them and keeps
        // to its 0.1 s schedule; the default, `Burst`, would fire them back
        // to back, several readings at once, as if they had been waiting.
        ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
        for id in 0..count {
            ticks.tick().await;
            yield Reading { id, value: rng.random_range(1..=100), arrived: seconds(start) };
        }
    }
}

/// Slower than the source (0.2 to 0.8 s per item, depending on its value), so
/// that the concurrency limit matters: a reading that arrives late shows the
/// backpressure.
async fn process_item(reading: Reading, in_flight: &InFlight) -> Processed {
    let _counted = in_flight.enter();
    sleep(Duration::from_millis(
        100 * u64::from(2 + reading.value % 7),
    ))
    .await;
    Processed {
        id: reading.id,
        value: reading.value,
        doubled_value: reading.value * 2,
        arrived: reading.arrived,
    }
}

pub async fn run() {
    let start = Instant::now();
    let in_flight = InFlight::default();
    // 23 readings: two batches of ten, then a short one of three.
    let mut batches = pin!(
        data_stream(23, start)
            .map(|reading| process_item(reading, &in_flight))
            .buffered(CONCURRENCY)
            .chunks(10)
    );
    while let Some(batch) = batches.next().await {
        println!("[{}] A batch of {}:", seconds(start), batch.len());
        for p in batch {
            println!(
                "Processed: id {}, value {}, doubled {}, arrived at {}",
                p.id, p.value, p.doubled_value, p.arrived
            );
        }
    }
    assert!(in_flight.peak.get() <= CONCURRENCY);

    // Jobs 0, 1 and 2, of 3, 1 and 1 s, two at a time: in `buffered`, the
    // second job's result waits for the first, holding its place, and the
    // third starts only at 3 s. `buffer_unordered` gives each as it is done:
    // job 1 at 1 s, job 2 at 2 s, job 0 at 3 s, too far apart for a busy
    // machine to change the order.
    println!();
    let jobs = || {
        stream::iter([3, 1, 1].into_iter().enumerate()).map(|(id, secs)| async move {
            sleep(Duration::from_secs(secs)).await;
            id
        })
    };
    let start = Instant::now();
    let in_order: Vec<usize> = jobs().buffered(2).collect().await;
    let in_order_took = seconds(start);
    let start = Instant::now();
    let unordered: Vec<usize> = jobs().buffer_unordered(2).collect().await;
    println!(
        "Jobs of 3, 1 and 1 s, two at a time: buffered(2) gave {in_order:?} in {in_order_took}, \
         buffer_unordered(2) gave {unordered:?} in {}",
        seconds(start)
    );
}

fn seconds(start: Instant) -> String {
    format!("{:.1}s", start.elapsed().as_secs_f64())
}

// What only proves the limit: how many items are being processed at once.

/// How many items are being processed right now, and the most there ever were.
#[derive(Default)]
struct InFlight {
    now: Cell<usize>,
    peak: Cell<usize>,
}

impl InFlight {
    /// Counts an item in until the returned guard is dropped, so an item
    /// whose future is dropped halfway is counted out too.
    fn enter(&self) -> Counted<'_> {
        self.now.set(self.now.get() + 1);
        self.peak.set(self.peak.get().max(self.now.get()));
        Counted(self)
    }
}

struct Counted<'a>(&'a InFlight);

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.now.set(self.0.now.get() - 1);
    }
}
