//! `queue.join()` and `task_done()`: each item carries a `TaskTracker`
//! token, dropped once it is processed, and waiting on the tracker waits
//! for all of them.
//!
//! The guide's version hangs after the last item: consumers put the `None`
//! sentinel back without `task_done()`, so `join()` waits for ever. Here each
//! item travels with a token, and dropping the item drops it, once, even on a
//! panic, so the wait ends when every item was let go of, not when each
//! succeeded; `close()` then `wait().await` is `queue.join()`. The same three
//! consumers process two batches, and return on their own when the sender is
//! dropped. They share the receiver behind a mutex held across `recv`, safe
//! only because each is a task, which the runtime always polls. Random
//! delays come from a seed under which no two timers tie.
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
            // Aborted when dropped, so a cancelled `run` stops it too.
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
