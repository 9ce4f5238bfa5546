//! `asyncio.Semaphore` limits how many tasks do something at once; Tokio's
//! `Semaphore` hands out permits that give themselves back when dropped.
//!
//! `async with semaphore:` becomes holding a permit while the work runs; it
//! comes back on every path, cancellation included. `acquire_owned` on an
//! `Arc<Semaphore>` gives a permit a spawned task can own, and `acquire`
//! fails once the semaphore is closed. Tokio's semaphore is fair, as
//! asyncio's is: permits go out in the order they were asked for, so an
//! `acquire` kept alive but no longer polled holds up every one behind it
//! (`pitfalls/futurelock`).
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Semaphores and Locks" (the semaphore half)
//! - *Asynchronous Programming in Python*, "Semaphores"

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::Context;
use futures::future::join_all;
use tokio::sync::{AcquireError, Semaphore};
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep};

const WORKER_LIMIT: usize = 2;

async fn worker(
    name: String,
    arrival: Duration,
    semaphore: Arc<Semaphore>,
    in_flight: Arc<InFlight>,
) -> Result<(), AcquireError> {
    sleep(arrival).await;
    let _permit = semaphore.acquire().await?;
    // Declared after the permit, so dropped before it: the count goes down
    // before the next holder can come in.
    let (_inside, now) = in_flight.enter(WORKER_LIMIT);
    println!("Worker {name} acquired semaphore ({now} in flight)");
    sleep(Duration::from_secs(2)).await;
    println!("Worker {name} releasing semaphore");
    Ok(())
}

async fn semaphore_example() -> anyhow::Result<()> {
    let semaphore = Arc::new(Semaphore::new(WORKER_LIMIT));
    let in_flight = Arc::new(InFlight::default());
    // A `JoinSet` aborts its tasks when dropped, so a cancelled `run`
    // stops the workers too.
    let mut workers = JoinSet::new();
    for i in 0..5 {
        // The guide's workers arrive together. 0.6 s apart, no two of their
        // timers are due at the same instant, whose order Tokio doesn't
        // promise, and no two holders leave within 0.6 s of each other: a
        // busy machine can't make both leave before the next comes in,
        // which would then print "1 in flight".
        workers.spawn(worker(
            format!("W{i}"),
            Duration::from_millis(600) * i,
            semaphore.clone(),
            in_flight.clone(),
        ));
    }
    while let Some(finished) = workers.join_next().await {
        finished.context("a worker panicked")??;
    }
    println!(
        "At most {} in flight",
        in_flight.peak.load(Ordering::SeqCst)
    );
    Ok(())
}

const OPERATION_LIMIT: usize = 3;

async fn operation(i: u32) -> u32 {
    sleep(Duration::from_secs(1)).await;
    i * i
}

/// The guide's `bounded_operation`: futures, not tasks, so they can borrow
/// the semaphore instead of sharing it through an `Arc`.
async fn bounded_operation(
    i: u32,
    semaphore: &Semaphore,
    in_flight: &InFlight,
) -> Result<u32, AcquireError> {
    let _permit = semaphore.acquire().await?;
    let _inside = in_flight.enter(OPERATION_LIMIT);
    Ok(operation(i).await)
}

async fn bounded_operations() -> Result<(), AcquireError> {
    let start = Instant::now();
    let semaphore = Semaphore::new(OPERATION_LIMIT);
    let in_flight = InFlight::default();
    let results = join_all((0..10).map(|i| bounded_operation(i, &semaphore, &in_flight)))
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    println!("Results: {results:?}");
    println!(
        "10 one-second operations, at most {} at a time: {:.1}s",
        in_flight.peak.load(Ordering::SeqCst),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

pub async fn run() -> anyhow::Result<()> {
    semaphore_example().await?;
    println!();
    bounded_operations().await?;
    Ok(())
}

// What only proves the limit: a count of the tasks inside the limited
// section, kept through a guard so that a cancelled task is uncounted too.

/// How many are inside the limited section now, and at most so far.
#[derive(Default)]
struct InFlight {
    now: AtomicUsize,
    peak: AtomicUsize,
}

/// One task inside the limited section, counted until this is dropped: a
/// guard, so a task cancelled inside the section is uncounted too.
struct Inside<'a>(&'a InFlight);

impl InFlight {
    fn enter(&self, limit: usize) -> (Inside<'_>, usize) {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        let inside = Inside(self);
        self.peak.fetch_max(now, Ordering::SeqCst);
        assert!(now <= limit, "{now} in flight, above the limit of {limit}");
        (inside, now)
    }
}

impl Drop for Inside<'_> {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}
