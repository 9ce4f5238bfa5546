//! `queue.join()` and `task_done()`: each item carries a `TaskTracker`
//! token, dropped once it is processed, and waiting on the tracker waits
//! for all of them.
//!
//! The guide's version hangs after the last item: consumers put the `None`
//! sentinel back without `task_done()`, so `join()` waits for ever. Here
//! dropping an item drops its token, once, even on a panic; `close()` then
//! `wait().await` is `queue.join()`. The same three consumers process two
//! batches, and return when the sender is dropped. The channel is
//! `async-channel`'s (Tokio's `mpsc` has one receiver); a consumer takes
//! with `next()`, which wakes every waiting consumer for each item, so one
//! that a `select!` stopped polling delays no item (one held mid-item holds
//! that item, and the `join()`, as a hung consumer would). A consumer that
//! panics loses the item it held, which counts itself lost as it is dropped;
//! the others finish the batch, then the join reports the loss, failing at
//! once only when no consumer is left.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Async Queue Patterns"
//! - *Python Async Programming: A Detailed Guide*,
//!   "Producer-Consumer Pattern" (its
//!   `await queue.join()`)

use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use async_channel::{Receiver, Sender};
use futures::StreamExt;
use tokio::task::JoinSet;
use tokio::time::sleep;
use tokio_util::task::task_tracker::TaskTrackerToken;
use tokio_util::task::{AbortOnDropHandle, TaskTracker};

/// The items of one `queue.join()`.
#[derive(Clone, Default)]
struct Batch {
    pending: TaskTracker,
    /// Jobs dropped before they were done.
    lost: Arc<AtomicUsize>,
}

impl Batch {
    fn job(&self, item: String) -> Job {
        Job {
            item,
            done: false,
            lost: Arc::clone(&self.lost),
            _pending: self.pending.token(),
        }
    }
}

/// An item and its claim on the batch: dropping a `Job` is `task_done()`.
struct Job {
    item: String,
    done: bool,
    lost: Arc<AtomicUsize>,
    _pending: TaskTrackerToken,
}

impl Job {
    fn done(mut self) {
        self.done = true;
    }
}

impl Drop for Job {
    /// Counted before the claim is let go of (fields drop after `drop`), so
    /// a join that sees the batch empty sees the loss too: a consumer that
    /// panics holding the last item ends the wait as it unwinds, maybe
    /// before its task's end can be seen.
    fn drop(&mut self) {
        if !self.done {
            self.lost.fetch_add(1, Ordering::Relaxed);
        }
    }
}

async fn producer(
    queue: Sender<Job>,
    name: &'static str,
    count: usize,
    batch: Batch,
) -> anyhow::Result<Vec<String>> {
    let mut produced = Vec::new();
    for i in 0..count {
        let item = format!("{name}-item-{i}");
        if queue.send(batch.job(item.clone())).await.is_err() {
            bail!("every consumer has stopped");
        }
        println!("Producer {name} added {item}");
        produced.push(item);
        sleep(ITEM_EVERY).await;
    }
    Ok(produced)
}

async fn consumer(queue: Receiver<Job>, name: String) -> Vec<String> {
    // `next()` needs the stream pinned: a `Receiver` is `!Unpin`.
    let mut queue = pin!(queue);
    let mut consumed = Vec::new();
    while let Some(job) = queue.next().await {
        println!("Consumer {name} processing {}", job.item);
        sleep(WORK).await;
        consumed.push(job.item.clone());
        job.done();
    }
    println!("Consumer {name} stopped: the channel is closed");
    consumed
}

pub async fn run() -> anyhow::Result<()> {
    let (sender, receiver) = async_channel::bounded(5);
    // Dropping the set aborts the consumers, so a cancelled `run` stops them.
    let mut consumers = JoinSet::new();
    for i in 0..3 {
        consumers.spawn(consumer(receiver.clone(), format!("C{i}")));
    }
    // Only the consumers hold the receiver now: if every one of them ends,
    // by panicking say, the channel closes and a producer's `send` fails,
    // instead of waiting for ever for room no one will make.
    drop(receiver);

    let mut produced = Vec::new();
    for (name, count) in [("P1", 10), ("P2", 5)] {
        let batch = Batch::default();
        // A task, not polled in `run`: after a late wake the runtime polls
        // the future it blocks on before any task, so a producer there would
        // send before a consumer whose work ended first had come back for
        // more, and the item would go to another. Tasks run in the order
        // their timers fired, as on the paused clock.
        let feeding = tokio::spawn(producer(sender.clone(), name, count, batch.clone()));
        produced.extend(AbortOnDropHandle::new(feeding).await??);
        join_batch(&batch, &mut consumers).await?;
        println!("queue.join(): every item from {name} processed");
    }

    drop(sender);
    let mut consumed = Vec::new();
    while let Some(ended) = consumers.join_next().await {
        consumed.extend(ended.context("a consumer panicked")?);
    }
    produced.sort();
    consumed.sort();
    ensure!(produced == consumed, "an item was lost or consumed twice");
    println!("{} items, each consumed exactly once", consumed.len());
    Ok(())
}

/// `queue.join()`: waits until every item of `batch` has been let go of.
/// A consumer that panics lets go of the item it held, lost, and the others
/// take the rest: the loss is reported once the batch is done. Only when no
/// consumer is left would the items still queued wait for ever: that ends
/// the wait at once.
async fn join_batch(batch: &Batch, consumers: &mut JoinSet<Vec<String>>) -> anyhow::Result<()> {
    let pending = &batch.pending;
    pending.close();
    let mut panicked = None;
    while !pending.is_empty() {
        if consumers.is_empty() {
            let stopped = "every consumer has stopped, with items of the batch still queued";
            return Err(match panicked {
                Some(panic) => anyhow::Error::new(panic).context(stopped),
                None => anyhow::anyhow!(stopped),
            });
        }
        // Before the sender is dropped, a consumer ends only by panicking.
        tokio::select! {
            () = pending.wait() => {}
            Some(ended) = consumers.join_next() => {
                if let Err(panic) = ended {
                    panicked.get_or_insert(panic);
                }
            }
        }
    }
    // `is_empty` above synchronizes with every token's drop, and so with
    // each count made before it.
    let lost = batch.lost.load(Ordering::Relaxed);
    if lost == 0 && panicked.is_none() {
        return Ok(());
    }
    let failed = format!(
        "{lost} item(s) lost, held by a consumer that panicked or was stopped; the others \
         finished the batch"
    );
    Err(match panicked {
        Some(panic) => anyhow::Error::new(panic).context(failed),
        None => anyhow::anyhow!(failed),
    })
}

// The demonstration's timing, fixed where the guide's is random: two
// consumers are busy at a time, and each finishes 0.5 s after an item comes
// and 0.1 s before the next. Each item wakes the waiting consumers in the
// order they began to wait, and the first takes it: the one that has waited
// longest, 0.6 s longer than the other, on every run. A consumer finishing
// just after an item comes could take it first on a machine too busy to
// keep time; none finishes within 0.5 s after one.

/// How long the producer waits after each item.
const ITEM_EVERY: Duration = Duration::from_millis(600);
/// How long a consumer works on an item.
const WORK: Duration = Duration::from_millis(1100);

#[cfg(test)]
mod tests {
    use std::pin::pin;

    use futures::poll;
    use tokio::time::timeout;

    use super::*;

    /// A consumer polled once, then neither polled again nor dropped (a
    /// branch of a `select!` that stopped polling it), holds up no
    /// `queue.join()`: the consumer waiting beside it takes the item.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_holds_up_no_queue_join() {
        let (sender, receiver) = async_channel::bounded(5);
        let mut held = pin!(consumer(receiver.clone(), "held".to_owned()));
        assert!(poll!(held.as_mut()).is_pending());
        let other =
            AbortOnDropHandle::new(tokio::spawn(consumer(receiver.clone(), "other".to_owned())));
        // The other consumer is waiting when the item comes.
        sleep(Duration::from_millis(10)).await;
        let batch = Batch::default();
        let produced = producer(sender.clone(), "P", 1, batch.clone())
            .await
            .expect("a consumer is alive");
        batch.pending.close();
        timeout(Duration::from_secs(2), batch.pending.wait())
            .await
            .expect("the other consumer processed the batch");
        drop(sender);
        let consumed = timeout(Duration::from_secs(1), other)
            .await
            .expect("the other consumer stops when the channel closes")
            .expect("the other consumer doesn't panic");
        assert_eq!(consumed, produced);
    }

    /// Takes one item, then panics holding it.
    async fn panicking_consumer(queue: Receiver<Job>) -> Vec<String> {
        let mut queue = pin!(queue);
        let _job = queue.next().await;
        panic!("a consumer failed on purpose");
    }

    /// Of three consumers, one panics holding an item: the two others
    /// finish the batch without it, and only then does the join report the
    /// panic; they were not aborted, and end on their own once the channel
    /// closes, with every other item.
    #[tokio::test(start_paused = true)]
    async fn a_consumer_that_panics_loses_its_item_and_the_others_finish_the_batch() {
        let (sender, receiver) = async_channel::bounded(5);
        let mut consumers = JoinSet::new();
        consumers.spawn(panicking_consumer(receiver.clone()));
        for i in 0..2 {
            consumers.spawn(consumer(receiver.clone(), format!("C{i}")));
        }
        drop(receiver);
        let batch = Batch::default();
        let produced = producer(sender.clone(), "P", 6, batch.clone())
            .await
            .expect("a consumer is alive");
        let joined = timeout(Duration::from_secs(60), join_batch(&batch, &mut consumers))
            .await
            .expect("the join ends");
        assert!(
            batch.pending.is_empty(),
            "the join ended with items still queued"
        );
        let error = joined.expect_err("the join reports the panic");
        assert!(error.to_string().starts_with("1 item(s) lost"), "{error}");
        assert_eq!(consumers.len(), 2, "a live consumer ended with the panic");

        drop(sender);
        let mut consumed = Vec::new();
        while let Some(ended) = consumers.join_next().await {
            consumed.extend(ended.expect("a live consumer ends on its own"));
        }
        assert_eq!(consumed.len(), produced.len() - 1, "{consumed:?}");
        assert!(consumed.iter().all(|item| produced.contains(item)));
    }

    /// Once every consumer has panicked, the items still queued would wait
    /// for ever: the join ends with an error instead.
    #[tokio::test(start_paused = true)]
    async fn the_join_fails_once_no_consumer_is_left() {
        let (sender, receiver) = async_channel::bounded(5);
        let mut consumers = JoinSet::new();
        for _ in 0..3 {
            consumers.spawn(panicking_consumer(receiver.clone()));
        }
        drop(receiver);
        let batch = Batch::default();
        for i in 0..5 {
            let job = batch.job(format!("item-{i}"));
            sender.send(job).await.expect("the queue has room");
        }
        let joined = timeout(Duration::from_secs(1), join_batch(&batch, &mut consumers))
            .await
            .expect("the join ends once no consumer is left");
        let error = joined.expect_err("the join fails");
        assert!(
            error.to_string().starts_with("every consumer has stopped"),
            "{error}"
        );
        assert!(consumers.is_empty());
    }

    /// A batch with nothing left in it is done, whether or not a consumer
    /// is left.
    #[tokio::test(start_paused = true)]
    async fn an_empty_batch_joins_at_once() {
        let mut consumers = JoinSet::new();
        join_batch(&Batch::default(), &mut consumers)
            .await
            .expect("no consumer is needed for no item");
    }

    /// Does each item, and panics holding the one named `last`.
    async fn panicking_on(queue: Receiver<Job>, last: String) {
        let mut queue = pin!(queue);
        while let Some(job) = queue.next().await {
            assert_ne!(job.item, last, "a consumer failed on purpose");
            job.done();
        }
    }

    /// A consumer that panics holding the batch's last item ends the wait
    /// for the batch as it unwinds, maybe before its task's end is seen (on
    /// the current-thread runtime, both are ready at once, and `select!`
    /// takes either): the join reports the loss all the same.
    async fn the_last_item_lost_is_reported() {
        for _ in 0..20 {
            let (sender, receiver) = async_channel::bounded(5);
            let mut consumers = JoinSet::new();
            consumers.spawn(async move {
                panicking_on(receiver, "P-item-2".to_owned()).await;
                Vec::new()
            });
            let batch = Batch::default();
            for i in 0..3 {
                let job = batch.job(format!("P-item-{i}"));
                sender.send(job).await.expect("the consumer is alive");
            }
            let joined = timeout(Duration::from_secs(60), join_batch(&batch, &mut consumers))
                .await
                .expect("the join ends");
            let error = joined.expect_err("the join reports the lost item");
            assert!(error.to_string().starts_with("1 item(s) lost"), "{error}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_last_item_lost_is_reported_on_the_current_thread_runtime() {
        the_last_item_lost_is_reported().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_last_item_lost_is_reported_on_the_multi_thread_runtime() {
        the_last_item_lost_is_reported().await;
    }
}
