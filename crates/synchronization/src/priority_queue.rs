//! A priority queue for tasks: the most urgent job first, equal priorities in
//! the order they were queued, and consumers that wait for the next one.
//!
//! `asyncio.PriorityQueue` has no Tokio counterpart, whose channels are first
//! in, first out: here a `BinaryHeap` in a `std::sync::Mutex`, and a
//! `Semaphore` with a permit per item, for which each `pop` waits in turn. A
//! `pop` kept alive but no longer polled keeps the item its permit stands for
//! (`pitfalls/futurelock`). The heap orders by priority, then
//! by a sequence number, never comparing the items, which asyncio's tuples do.
//! `close` is Python 3.13's `Queue.shutdown()`: later pushes are refused, and
//! consumers drain what is left, then get `None`. `push` never waits, so the
//! queue has no bound: to bound it, add a `Semaphore` of free places.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::{Instant, sleep};
use tokio_util::task::AbortOnDropHandle;

/// `asyncio.PriorityQueue` without the size limit: the lowest priority number
/// comes out first, and equal priorities come out in the order they went in.
pub struct PriorityQueue<T> {
    heap: Mutex<Heap<T>>,
    /// A permit per item in the heap, and one more once the queue is closed,
    /// which each `pop` that finds the heap empty passes on to the next.
    items: Semaphore,
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
            items: Semaphore::new(0),
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
        // After the item is in: a permit always stands for an item there.
        self.items.add_permits(1);
        Ok(())
    }

    /// `get`: waits for an item, and gives `None` once the queue is closed
    /// and empty.
    pub async fn pop(&self) -> Option<(u32, T)> {
        // Fails only if the semaphore is closed, which this queue never does.
        let permit = self.items.acquire().await.ok()?;
        self.take(permit)
    }

    /// `get_nowait`: `None` where asyncio raises `QueueEmpty`.
    pub fn try_pop(&self) -> Option<(u32, T)> {
        let permit = self.items.try_acquire().ok()?;
        self.take(permit)
    }

    /// The most urgent item, for a `pop` holding a permit; `None` once the
    /// queue is closed and empty.
    fn take(&self, permit: SemaphorePermit<'_>) -> Option<(u32, T)> {
        let Some(entry) = self.lock().entries.pop() else {
            // The permit `close` added: dropped, it goes back for the next
            // `pop`, which finds the heap empty too.
            return None;
        };
        // Its item is taken: the permit must not come back.
        permit.forget();
        Some((entry.priority, entry.item))
    }

    /// Refuses every later `push`; consumers drain what is left, then get
    /// `None`.
    pub fn close(&self) {
        let mut heap = self.lock();
        if !heap.closed {
            heap.closed = true;
            self.items.add_permits(1);
        }
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
    use std::future::{Future, poll_fn};
    use std::pin::pin;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use futures::poll;
    use tokio::time::timeout;

    use super::*;

    /// A consumer polled once, then kept but no longer polled (a `select!`
    /// over `&mut pop` whose other branch won), is handed the next item's
    /// permit, and the consumer beside it waits until it is dropped. Both
    /// fixes at the call site work: a `select!` that owns its `pop` drops it
    /// when the other branch wins, and a spawned `pop` is polled by the
    /// runtime.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_in_pop_stalls_the_others_until_dropped_or_spawned() {
        let queue = Arc::new(PriorityQueue::new());
        let patience = Duration::from_secs(1);
        let mut held = Box::pin(queue.pop());
        tokio::select! {
            _ = &mut held => unreachable!("the queue is empty"),
            () = sleep(Duration::from_millis(10)) => {}
        }
        queue.push(1, "first").unwrap();
        assert!(timeout(patience, queue.pop()).await.is_err(), "no stall");
        drop(held);
        assert_eq!(queue.try_pop(), Some((1, "first")), "its permit came back");

        // Fix 1: `select!` owns the `pop`, and drops it when the timer wins.
        tokio::select! {
            _ = queue.pop() => unreachable!("the queue is empty"),
            () = sleep(Duration::from_millis(10)) => {}
        }
        queue.push(1, "second").unwrap();
        assert_eq!(
            timeout(patience, queue.pop()).await,
            Ok(Some((1, "second")))
        );

        // Fix 2: a spawned `pop` takes an item, and the next `pop` goes on.
        // Which item each gets is up to which locks the heap first.
        let spawned = AbortOnDropHandle::new(tokio::spawn({
            let queue = Arc::clone(&queue);
            async move { queue.pop().await }
        }));
        sleep(Duration::from_millis(10)).await;
        queue.push(1, "third").unwrap();
        queue.push(1, "fourth").unwrap();
        let mine = timeout(patience, queue.pop()).await.unwrap().unwrap();
        let theirs = spawned.await.unwrap().unwrap();
        let mut items = [mine.1, theirs.1];
        items.sort_unstable();
        assert_eq!(items, ["fourth", "third"]);
    }

    /// Five consumers wait in turn, then five items come, each once the one
    /// before was taken: the order the consumers got them in.
    async fn order_served() -> Vec<usize> {
        let queue = Arc::new(PriorityQueue::new());
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut consumers = Vec::new();
        for id in 0..5 {
            let (queue, order) = (Arc::clone(&queue), Arc::clone(&order));
            // Polled once here, so that it waits before the next.
            let mut waiting = Box::pin(async move {
                queue.pop().await.unwrap();
                order.lock().unwrap().push(id);
            });
            assert!(poll!(waiting.as_mut()).is_pending());
            consumers.push(AbortOnDropHandle::new(tokio::spawn(waiting)));
        }
        for item in 0..5 {
            queue.push(1, item).unwrap();
            while order.lock().unwrap().len() <= item {
                tokio::task::yield_now().await;
            }
        }
        for consumer in consumers {
            consumer.await.unwrap();
        }
        Arc::try_unwrap(order).unwrap().into_inner().unwrap()
    }

    async fn runs_served_in_order() -> usize {
        let mut in_order = 0;
        for _ in 0..40 {
            in_order += usize::from(order_served().await == [0, 1, 2, 3, 4]);
        }
        in_order
    }

    #[tokio::test(start_paused = true)]
    async fn the_longest_waiting_pop_gets_the_next_item_fifo() {
        assert_eq!(runs_served_in_order().await, 40);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_longest_waiting_pop_gets_the_next_item_fifo_on_the_multi_thread_runtime() {
        assert_eq!(runs_served_in_order().await, 40);
    }

    /// Polls `future`, counting each poll in `polls`.
    async fn counting_polls<F: Future>(polls: Arc<AtomicUsize>, future: F) -> F::Output {
        let mut future = pin!(future);
        poll_fn(|cx| {
            polls.fetch_add(1, Ordering::Relaxed);
            future.as_mut().poll(cx)
        })
        .await
    }

    /// `consumers` wait in `pop`, then as many items come, each once the
    /// one before was taken: the polls of their `pop`s, per item.
    async fn polls_per_item(consumers: usize) -> f64 {
        let queue = Arc::new(PriorityQueue::new());
        let polls = Arc::new(AtomicUsize::new(0));
        let taken = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..consumers)
            .map(|_| {
                let (queue, polls, taken) =
                    (Arc::clone(&queue), Arc::clone(&polls), Arc::clone(&taken));
                AbortOnDropHandle::new(tokio::spawn(async move {
                    counting_polls(polls, queue.pop()).await.unwrap();
                    taken.fetch_add(1, Ordering::Relaxed);
                }))
            })
            .collect();
        while polls.load(Ordering::Relaxed) < consumers {
            tokio::task::yield_now().await;
        }
        for item in 0..consumers {
            queue.push(1, item).unwrap();
            while taken.load(Ordering::Relaxed) <= item {
                tokio::task::yield_now().await;
            }
        }
        for task in tasks {
            task.await.unwrap();
        }
        polls.load(Ordering::Relaxed) as f64 / consumers as f64
    }

    #[tokio::test(start_paused = true)]
    async fn polls_per_item_stay_bounded_as_consumers_grow() {
        let mut per_item = Vec::new();
        for consumers in [10, 100, 1000] {
            per_item.push(polls_per_item(consumers).await);
        }
        assert!(per_item.iter().all(|&polls| polls <= 3.0), "{per_item:?}");
    }

    /// Closing wakes every waiting consumer, each with `None`.
    #[tokio::test(start_paused = true)]
    async fn close_ends_every_waiting_pop() {
        let queue = PriorityQueue::<&str>::new();
        let pops = futures::future::join_all((0..3).map(|_| queue.pop()));
        let (popped, ()) = tokio::join!(pops, async { queue.close() });
        assert_eq!(popped, [None, None, None]);
    }

    #[test]
    fn a_closed_queue_refuses_a_push_and_drains_what_it_held() {
        let queue = PriorityQueue::new();
        queue.push(2, "queued").expect("the queue is open");
        queue.close();
        queue.close();
        assert!(matches!(queue.push(1, "late"), Err(Closed("late"))));
        assert_eq!(queue.try_pop(), Some((2, "queued")));
        assert_eq!(queue.try_pop(), None, "the late push was refused");
        assert_eq!(queue.try_pop(), None, "closed and empty, every time");
    }
}
