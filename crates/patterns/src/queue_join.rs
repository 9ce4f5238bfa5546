//! `queue.join()` and `task_done()`: each item carries a `TaskTracker`
//! token, dropped once it is processed, and waiting on the tracker waits
//! for all of them.
//!
//! The guide's version never finishes; run it and it hangs after the last
//! item. `queue.join()` waits until `task_done()` has been called once per
//! `put()`. The `None` sentinel counts as a put, and the consumer that gets
//! it never calls `task_done()` for it: it puts it back instead, which counts
//! as one more put, for the next consumer to take and put back again. The
//! count of unfinished items can never reach zero, so `join()` waits forever.
//!
//! The Rust counterpart can't get the count wrong. `TaskTracker` (from
//! `tokio-util`) counts live tokens; each item travels with one, and
//! dropping the item when its processing is done drops the token: that is
//! `task_done()`, called exactly once per item, and also when a consumer
//! panics. `tracker.close()` plus `tracker.wait().await` is `queue.join()`.
//!
//! The join matters when the consumers live on after the work, as a worker
//! pool does: here the same three consumers process the guide's batch, ten
//! items from P1 through a queue of five, and then a second batch of five
//! from P2, and `main` waits for each batch before starting the next. At the
//! end, dropping the sender closes the channel, and the consumers return on
//! their own instead of being cancelled. The guide's random delays come from
//! ChaCha8 generators seeded from `SEED`, in steps of 20 ms, with a seed
//! whose schedule has no two tasks due to wake at the same instant (see
//! `many_producers_consumers` for why that matters).
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Async Queue Patterns"
//! - *Python Async Programming: A Detailed Guide*,
//!   "Producer-Consumer Pattern" (its
//!   `await queue.join()`)

use std::ops::RangeInclusive;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use futures::future::try_join_all;
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use tokio::sync::{Mutex, mpsc};
use tokio::time::sleep;
use tokio_util::task::AbortOnDropHandle;
use tokio_util::task::TaskTracker;
use tokio_util::task::task_tracker::TaskTrackerToken;

/// An item and its claim on the batch: dropping a `Job` is `task_done()`.
struct Job {
    item: String,
    _pending: TaskTrackerToken,
}

async fn producer(
    queue: &mpsc::Sender<Job>,
    name: &str,
    count: usize,
    seed: u64,
    batch: &TaskTracker,
) -> anyhow::Result<Vec<String>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut produced = Vec::new();
    for i in 0..count {
        let item = format!("{name}-item-{i}");
        let job = Job {
            item: item.clone(),
            _pending: batch.token(),
        };
        if queue.send(job).await.is_err() {
            bail!("every consumer has stopped");
        }
        println!("Producer {name} added {item}");
        produced.push(item);
        sleep(random_delay(&mut rng, 100..=300)).await;
    }
    Ok(produced)
}

async fn consumer(queue: Arc<Mutex<mpsc::Receiver<Job>>>, name: String, seed: u64) -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut consumed = Vec::new();
    loop {
        let next = queue.lock().await.recv().await;
        let Some(job) = next else { break };
        println!("Consumer {name} processing {}", job.item);
        sleep(random_delay(&mut rng, 200..=500)).await;
        consumed.push(job.item);
        // `job`'s token is dropped here: this item is done.
    }
    println!("Consumer {name} stopped: the channel is closed");
    consumed
}

pub async fn run() -> anyhow::Result<()> {
    let (sender, receiver) = mpsc::channel(5);
    let receiver = Arc::new(Mutex::new(receiver));
    let consumers: Vec<_> = (0..3)
        .map(|i| {
            // Aborted when dropped: a cancelled `run` leaves no task running
            // (`concurrency/shield` says why a plain `JoinHandle` would).
            AbortOnDropHandle::new(tokio::spawn(consumer(
                receiver.clone(),
                format!("C{i}"),
                SEED + 10 + i,
            )))
        })
        .collect();
    // Only the consumers hold the receiver now: if every one of them ends,
    // by panicking say, the channel closes and a producer's `send` fails,
    // instead of waiting for ever for room no one will make.
    drop(receiver);

    let mut produced = Vec::new();
    for (name, count, seed) in [("P1", 10, SEED), ("P2", 5, SEED + 1)] {
        let batch = TaskTracker::new();
        produced.extend(producer(&sender, name, count, seed, &batch).await?);
        batch.close();
        batch.wait().await;
        println!("queue.join(): every item from {name} processed");
    }

    drop(sender);
    let mut consumed = try_join_all(consumers)
        .await
        .context("a consumer panicked")?
        .concat();
    produced.sort();
    consumed.sort();
    ensure!(produced == consumed, "an item was lost or consumed twice");
    println!("{} items, each consumed exactly once", consumed.len());
    Ok(())
}

// The demonstration's timing: random delays from a seeded generator, so
// every run prints the same lines.

const SEED: u64 = 11;

/// A random delay within `range`, in whole steps of 20 ms.
fn random_delay(rng: &mut ChaCha8Rng, range: RangeInclusive<u64>) -> Duration {
    let steps = range.start() / 20..=range.end() / 20;
    Duration::from_millis(20 * rng.random_range(steps))
}
