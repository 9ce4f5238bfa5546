//! Processing a stream with bounded concurrency and in batches:
//! `buffered`, `buffer_unordered` and `chunks`.
//!
//! The guide creates a task per item as the items arrive, limits how many
//! run with a `Semaphore(5)`, and gathers them ten at a time. Its
//! `asyncio.run` line is commented out; uncommented, it stops at a
//! `NameError`, since `random` and `time` are never imported. With the
//! imports added, it never processes more than one item at a time: each
//! takes 0.05 s and they arrive 0.1 s apart, so the semaphore never comes
//! into play (measured with Python 3.11). What bounds it is the batch: at
//! every tenth item its `async for` stops and awaits the whole batch, so at
//! most ten tasks ever exist. That is also its flaw. Each batch is a
//! barrier: while the program awaits one, it reads nothing from the source
//! and starts nothing new, so the slowest item of a batch holds up every
//! item behind it. With processing slower than the source (0.5 s each),
//! five run at once, and the source is not read at all while the last five
//! of each batch finish.
//!
//! Streams make the limit structural and drop the barrier:
//! - `.map(process_item)` turns each item into a future without starting it;
//! - `.buffered(5)` holds at most five of those futures, and pulls the next
//!   item from the source only when a result has left, so a fast source is
//!   slowed down instead of buffered without bound. Results come out in input
//!   order, like `gather`, so a finished future whose turn has not come
//!   keeps its place among the five until the ones before it are done;
//! - `.buffer_unordered(5)` is the same with results in completion order,
//!   like `as_completed`, and a slot frees as soon as any future finishes;
//! - `.chunks(10)` groups results into batches of ten, while the five slots
//!   stay busy across a batch's boundary (readings 10 to 12 arrive before
//!   the first batch is complete), and hands over the short last batch when
//!   the stream ends: the guide's "process remaining items" block comes for
//!   free.
//!
//! Zero is not a limit: `buffered(0)` never pulls an item and waits forever,
//! and `chunks(0)` panics.
//!
//! These futures all run inside the one task that polls the stream, so they
//! make progress only while it is being polled; see `stream_vs_spawn`.
//!
//! The guide's wall-clock timestamp becomes the time each reading was taken
//! from the source. From reading 5 on, that is mostly later than the 0.1 s
//! tick it was due at: the source is only read when a slot is free. That is
//! the backpressure. A reading taken late does not bring the ones behind it
//! along: the source's interval skips the ticks it missed
//! (`MissedTickBehavior::Skip`), and the next reading waits for the next
//! tick of its 0.1 s schedule. By default (`Burst`) an interval fires missed
//! ticks back to back, and several readings would arrive at once.
//!
//! The readings' values come from a ChaCha8 generator seeded with `SEED`,
//! chosen so that in the `buffer_unordered` run no two items finish at the
//! same instant: Tokio documents no order for timers due then, and
//! `buffer_unordered` yields items in the order they finish. (`buffered`
//! does not depend on it: its order is the input's.)
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Async Streaming" (`stream_processor`)

use std::cell::Cell;
use std::pin::pin;
use std::time::Duration;

use async_stream::stream;
use futures::{Stream, StreamExt};
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
/// that the concurrency limit matters.
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
    let mut batches = pin!(
        data_stream(20, start)
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

    println!();
    let start = Instant::now();
    let in_flight = InFlight::default();
    let order: Vec<u32> = data_stream(10, start)
        .map(|reading| process_item(reading, &in_flight))
        .buffer_unordered(CONCURRENCY)
        .map(|processed| processed.id)
        .collect()
        .await;
    println!(
        "[{}] buffer_unordered({CONCURRENCY}) finished ids in this order: {order:?}",
        seconds(start)
    );
    assert!(in_flight.peak.get() <= CONCURRENCY);
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
