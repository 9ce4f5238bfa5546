//! A priority queue for tasks: the most urgent job first, equal priorities in
//! the order they were queued, and consumers that wait for the next one.
//!
//! `asyncio.PriorityQueue` has no Tokio counterpart, whose channels are first
//! in, first out. The pattern: a `BinaryHeap` in a `std::sync::Mutex` and a
//! `Notify`: a push wakes every waiting `pop` and each looks again, so a
//! `pop` its owner never polls again takes no wake-up from the others (a
//! semaphore with a permit per item would hand that permit to it), and a
//! cancelled `pop` takes nothing. The heap orders by priority, then by a
//! sequence number, and never compares the items, where asyncio's tuples fail
//! on two items that can't be compared. `close` works like Python 3.13's
//! `Queue.shutdown()`: a later `push` is refused, and consumers drain what is
//! left, then get `None` where `get` raises `QueueShutDown`. `push` never
//! waits, as `put_nowait` doesn't, so the queue has no bound: fine where the
//! work is bounded, as the five jobs here are; where producers can outrun the
//! consumers, bound it (a second `Semaphore` of free places that `push`
//! awaits), as the book's page "Queues and channels" says.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::{Instant, sleep};
use tokio_util::task::AbortOnDropHandle;

/// `asyncio.PriorityQueue` without the size limit: the lowest priority number
/// comes out first, and equal priorities come out in the order they went in.
pub struct PriorityQueue<T> {
    heap: Mutex<Heap<T>>,
    /// Wakes every waiting `pop` on a push and on [`PriorityQueue::close`].
    changed: Notify,
}

struct Heap<T> {
    entries: BinaryHeap<Entry<T>>,
    next_sequence: u64,
    closed: bool,
}

/// `QueueShutDown` from `put`: the queue is closed, and the item comes back.
#[derive(Debug, thiserror::Error)]
#[error("the queue is closed")]
pub struct Closed<T>(pub T);

struct Entry<T> {
    priority: u32,
    sequence: u64,
    item: T,
}

impl<T> Entry<T> {
    fn key(&self) -> (u32, u64) {
        (self.priority, self.sequence)
    }
}

// Reversed, so that the max-heap pops the lowest (priority, sequence) first.
impl<T> Ord for Entry<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        other.key().cmp(&self.key())
    }
}

impl<T> PartialOrd for Entry<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T> PartialEq for Entry<T> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl<T> Eq for Entry<T> {}

impl<T> PriorityQueue<T> {
    pub fn new() -> Self {
        PriorityQueue {
            heap: Mutex::new(Heap {
                entries: BinaryHeap::new(),
                next_sequence: 0,
                closed: false,
            }),
            changed: Notify::new(),
        }
    }

    /// `put_nowait`: never waits, since the queue has no limit, and gives the
    /// item back once the queue is closed.
    pub fn push(&self, priority: u32, item: T) -> Result<(), Closed<T>> {
        {
            let mut heap = self.lock();
            // Under the lock `close` takes, so no item slips in after it.
            if heap.closed {
                return Err(Closed(item));
            }
            let sequence = heap.next_sequence;
            heap.next_sequence += 1;
            heap.entries.push(Entry {
                priority,
                sequence,
                item,
            });
        }
        self.changed.notify_waiters();
        Ok(())
    }

    /// `get`: waits for an item, and gives `None` once the queue is closed
    /// and empty.
    pub async fn pop(&self) -> Option<(u32, T)> {
        loop {
            // Made before the look: `notify_waiters` reaches it from now on,
            // so a push in between still wakes it.
            let changed = self.changed.notified();
            {
                let mut heap = self.lock();
                if let Some(entry) = heap.entries.pop() {
                    return Some((entry.priority, entry.item));
                }
                if heap.closed {
                    return None;
                }
            }
            changed.await;
        }
    }

    /// `get_nowait`: `None` where asyncio raises `QueueEmpty`.
    pub fn try_pop(&self) -> Option<(u32, T)> {
        let entry = self.lock().entries.pop()?;
        Some((entry.priority, entry.item))
    }

    /// Refuses every later `push` and wakes every waiting consumer; they
    /// drain what is left, then get `None`.
    pub fn close(&self) {
        self.lock().closed = true;
        self.changed.notify_waiters();
    }

    fn lock(&self) -> MutexGuard<'_, Heap<T>> {
        // Nothing panics while the lock is held, so a poisoned heap is intact.
        self.heap.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T> Default for PriorityQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

async fn worker(queue: Arc<PriorityQueue<&'static str>>, start: Instant) -> usize {
    let mut done = 0;
    while let Some((priority, job)) = queue.pop().await {
        println!(
            "[{:.1}s] worker: {job} (priority {priority})",
            start.elapsed().as_secs_f64()
        );
        done += 1;
    }
    done
}

pub async fn run() -> anyhow::Result<()> {
    let start = Instant::now();
    let queue = Arc::new(PriorityQueue::new());
    for (priority, job) in [
        (3, "write report"),
        (1, "fix outage"),
        (2, "review PR"),
        (1, "page on-call"),
    ] {
        queue.push(priority, job)?;
    }
    if let Some((priority, job)) = queue.try_pop() {
        println!("Queued 4 jobs; try_pop takes the most urgent: {job} (priority {priority})");
    }

    let consumer = AbortOnDropHandle::new(tokio::spawn(worker(Arc::clone(&queue), start)));
    sleep(Duration::from_secs(1)).await;
    // The worker has emptied the queue and waits in `pop`.
    println!(
        "[{:.1}s] main: queue is empty, try_pop gives {:?}",
        start.elapsed().as_secs_f64(),
        queue.try_pop()
    );
    queue.push(2, "deploy")?;
    sleep(Duration::from_secs(1)).await;
    queue.close();
    let done = consumer.await?;
    println!(
        "[{:.1}s] main: worker finished {done} jobs",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::pin::pin;

    use futures::poll;
    use tokio::time::timeout;

    use super::*;

    /// A consumer polled once and then neither polled nor dropped (a branch
    /// of a `select!` that stopped polling it) takes no wake-up from the
    /// consumer waiting beside it.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_in_pop_holds_up_no_other_pop() {
        let queue = PriorityQueue::new();
        let mut held = pin!(queue.pop());
        assert!(poll!(held.as_mut()).is_pending());
        let (popped, pushed) = tokio::join!(timeout(Duration::from_secs(1), queue.pop()), async {
            queue.push(1, "only")
        },);
        pushed.expect("the queue is open");
        assert_eq!(
            popped.expect("the other consumer was woken"),
            Some((1, "only"))
        );
    }

    #[test]
    fn a_closed_queue_refuses_a_push_and_drains_what_it_held() {
        let queue = PriorityQueue::new();
        queue.push(2, "queued").expect("the queue is open");
        queue.close();
        assert!(matches!(queue.push(1, "late"), Err(Closed("late"))));
        assert_eq!(queue.try_pop(), Some((2, "queued")));
        assert_eq!(queue.try_pop(), None, "the late push was refused");
    }
}
