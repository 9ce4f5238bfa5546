//! Several producers and several consumers on one channel; it closes when
//! the last producer finishes, and every consumer then stops by itself.
//!
//! The guide's two producers put one `None` each for three consumers, so one
//! never stops and `main` cancels it after `queue.join()`. Here each producer
//! owns a clone of the `Sender`, and the channel closes when the last is
//! dropped (`main` must drop its own too): every consumer sees `None` once the
//! queue is drained, and nothing is lost. The channel is `async-channel`'s,
//! bounded to five (the book's page "Queues and channels"). Which consumer
//! takes which item depends on which is free when it comes, so where the
//! guide prints each step, this prints what no timing changes: what each
//! producer sent, each consumer's stop, and the total.
//!
//! Translates:
//! - *Python Async Programming: A Detailed Guide*, "Producer-Consumer Pattern"

use std::ops::RangeInclusive;
use std::pin::pin;
use std::time::Duration;

use anyhow::{Context, ensure};
use async_channel::{Receiver, Sender};
use futures::StreamExt;
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use tokio::time::sleep;
use tokio_util::task::JoinQueue;

const CAPACITY: usize = 5;

async fn producer(queue: Sender<String>, producer_id: u64) -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + producer_id);
    let mut produced = Vec::new();
    for i in 0..5 {
        let item = format!("Item-{producer_id}-{i}");
        if queue.send(item.clone()).await.is_err() {
            break;
        }
        produced.push(item);
        sleep(random_delay(&mut rng, 100..=500)).await;
    }
    produced
}

async fn consumer(queue: Receiver<String>, consumer_id: u64) -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 100 + consumer_id);
    // `next()` needs the stream pinned: a `Receiver` is `!Unpin`.
    let mut queue = pin!(queue);
    let mut consumed = Vec::new();
    // Ends only when the channel is closed and empty.
    while let Some(item) = queue.next().await {
        sleep(random_delay(&mut rng, 200..=600)).await;
        consumed.push(item);
    }
    consumed
}

pub async fn run() -> anyhow::Result<()> {
    let (sender, receiver) = async_channel::bounded(CAPACITY);

    // In queues, which give the tasks' results in the order spawned, and
    // abort the tasks still in them when dropped, as a cancelled `run` does.
    let mut producers = JoinQueue::new();
    for id in 0..2 {
        producers.spawn(producer(sender.clone(), id));
    }
    let mut consumers = JoinQueue::new();
    for id in 0..3 {
        consumers.spawn(consumer(receiver.clone(), id));
    }
    drop(sender);
    // Only the consumers hold the receiver now: if every one of them ends,
    // by panicking say, the channel closes and a producer's `send` fails,
    // instead of waiting for ever for room no one will make.
    drop(receiver);

    // Printed once all are done, in the order spawned: lines printed as the
    // tasks went would come in the order their timers fired, which a busy
    // machine changes.
    let mut produced = Vec::new();
    for id in 0.. {
        let Some(items) = producers.join_next().await else {
            break;
        };
        let items = items.context("a producer panicked")?;
        println!("Producer {id} sent {}", items.join(", "));
        produced.extend(items);
    }
    let mut consumed = Vec::new();
    for id in 0.. {
        let Some(items) = consumers.join_next().await else {
            break;
        };
        consumed.extend(items.context("a consumer panicked")?);
        println!("Consumer {id} stopped: the channel is closed and empty");
    }

    produced.sort();
    consumed.sort();
    ensure!(produced == consumed, "an item was lost or consumed twice");
    println!("All {} items consumed exactly once", consumed.len());
    Ok(())
}

// The demonstration's timing: random delays from a seeded generator.

/// A seed under which no two sleeps end at the same instant: Tokio gives no
/// order to timers due together, so on the paused clock every run follows
/// the same schedule.
const SEED: u64 = 20930;

/// A random delay within `range`, in whole steps of 20 ms.
fn random_delay(rng: &mut ChaCha8Rng, range: RangeInclusive<u64>) -> Duration {
    let steps = range.start() / 20..=range.end() / 20;
    Duration::from_millis(20 * rng.random_range(steps))
}

#[cfg(test)]
mod tests {
    use std::pin::pin;

    use futures::poll;
    use tokio::time::timeout;
    use tokio_util::task::AbortOnDropHandle;

    use super::*;

    /// A consumer polled once, then neither polled again nor dropped (a
    /// branch of a `select!` that stopped polling it), holds up no other:
    /// they take every item, and stop when the producers are done.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_holds_up_no_other_consumer() {
        let (sender, receiver) = async_channel::bounded(CAPACITY);
        let mut held = pin!(consumer(receiver.clone(), 9));
        assert!(poll!(held.as_mut()).is_pending());
        let mut consumers = tokio::task::JoinSet::new();
        for id in 0..2 {
            consumers.spawn(consumer(receiver.clone(), id));
        }
        let everything = async {
            let (produced_0, produced_1) =
                tokio::join!(producer(sender.clone(), 0), producer(sender, 1));
            let consumed = consumers.join_all().await;
            ([produced_0, produced_1].concat(), consumed.concat())
        };
        // Each producer is done within 2.5 s, and a consumer's last item
        // takes at most 0.6 s more.
        let (mut produced, mut consumed) = timeout(Duration::from_secs(10), everything)
            .await
            .expect("the other consumers take every item, and stop");
        produced.sort();
        consumed.sort();
        assert_eq!(produced, consumed);
        assert_eq!(produced.len(), 10);
    }

    /// Nor does it take an item's wake-up: a single item sent goes to the
    /// consumer waiting beside it at once, not when the channel closes.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_leaves_the_next_item_to_the_other_consumer() {
        let (sender, receiver) = async_channel::bounded(CAPACITY);
        let mut held = pin!(consumer(receiver.clone(), 9));
        assert!(poll!(held.as_mut()).is_pending());
        let other = AbortOnDropHandle::new(tokio::spawn(consumer(receiver, 0)));
        // The other consumer is waiting when the item comes.
        sleep(Duration::from_millis(10)).await;
        sender
            .send("only".to_owned())
            .await
            .expect("a consumer is alive");
        // A consumer spends at most 0.6 s on an item: one that took it as it
        // came is waiting again by now, and stops as the channel closes. One
        // woken only by the close would spend 0.2 s or more on it first.
        sleep(Duration::from_secs(1)).await;
        drop(sender);
        let consumed = timeout(Duration::from_millis(100), other)
            .await
            .expect("the other consumer took the item as it came")
            .expect("the other consumer doesn't panic");
        assert_eq!(consumed, ["only"]);
    }
}
