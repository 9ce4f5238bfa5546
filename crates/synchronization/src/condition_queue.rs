//! The guide's hand-written `AsyncQueue` on condition variables, with Tokio's
//! `Notify` in place of `asyncio.Condition`.
//!
//! The guide's version crashes on the first `put` ("cannot notify on
//! un-acquired lock"): its two `Condition`s have two locks; one shared lock
//! fixes it. Tokio has no condition variable: the data sits in a
//! `std::sync::Mutex` with a `Notify` per condition, whose `notify_one` is the
//! guide's `notify()`; a waiter registers (`Notified::enable`) before it looks,
//! so a change in between still wakes it. The costs: a woken waiter may find
//! that a newcomer took the item, so the order isn't guaranteed, and a `get`
//! kept alive but no longer polled keeps its wake-up until dropped
//! (`pitfalls/futurelock`).
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Async Condition Variables"

use std::collections::VecDeque;
use std::pin::pin;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::{sleep, timeout};

struct AsyncQueue<T> {
    /// 0 means unbounded, as with `asyncio.Queue`.
    maxsize: usize,
    items: Mutex<VecDeque<T>>,
    not_empty: Notify,
    not_full: Notify,
}

impl<T> AsyncQueue<T> {
    fn new(maxsize: usize) -> Self {
        Self {
            maxsize,
            items: Mutex::new(VecDeque::new()),
            not_empty: Notify::new(),
            not_full: Notify::new(),
        }
    }

    /// The lock is held for a push or a pop, which cannot panic halfway, so
    /// the queue is consistent even if some other holder panicked.
    fn items(&self) -> MutexGuard<'_, VecDeque<T>> {
        self.items.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Dropped while it waits for room, it loses its item, as
    /// `mpsc::Sender::send` does.
    async fn put(&self, item: T) {
        let mut not_full = pin!(self.not_full.notified());
        loop {
            // `async with not_full:` then `while full: wait()`, with the
            // waiter registered before the look.
            not_full.as_mut().enable();
            {
                let mut items = self.items();
                if self.maxsize == 0 || items.len() < self.maxsize {
                    items.push_back(item);
                    self.not_empty.notify_one();
                    return;
                }
            }
            not_full.as_mut().await;
            // Used up: a new one for the next look.
            not_full.set(self.not_full.notified());
        }
    }

    async fn get(&self) -> T {
        let mut not_empty = pin!(self.not_empty.notified());
        loop {
            not_empty.as_mut().enable();
            if let Some(item) = self.items().pop_front() {
                self.not_full.notify_one();
                return item;
            }
            not_empty.as_mut().await;
            not_empty.set(self.not_empty.notified());
        }
    }
}

async fn producer(queue: &AsyncQueue<String>) {
    for i in 0..5 {
        queue.put(format!("item-{i}")).await;
        println!("Produced item-{i}");
        sleep(Duration::from_millis(500)).await;
    }
}

async fn consumer(name: &str, queue: &AsyncQueue<String>) -> usize {
    let mut consumed = 0;
    loop {
        match timeout(Duration::from_secs(2), queue.get()).await {
            Ok(item) => {
                println!("Consumer {name} got {item}");
                consumed += 1;
                sleep(Duration::from_secs(1)).await;
            }
            Err(_elapsed) => {
                println!("Consumer {name} timed out");
                return consumed;
            }
        }
    }
}

pub async fn run() {
    let queue = AsyncQueue::new(2);
    let ((), consumed_a, consumed_b) = tokio::join!(
        biased;
        producer(&queue),
        consumer("A", &queue),
        consumer("B", &queue),
    );
    assert_eq!(
        consumed_a + consumed_b,
        5,
        "every item is consumed exactly once"
    );
}

#[cfg(test)]
mod tests {
    use std::future::{Future, poll_fn};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use futures::{FutureExt, poll};
    use tokio_util::task::AbortOnDropHandle;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_get_wakes_a_put_waiting_for_room() {
        let queue = AsyncQueue::new(1);
        queue.put("a").await;
        let mut second = pin!(queue.put("b"));
        assert!(
            second.as_mut().now_or_never().is_none(),
            "the queue is full: the second put waits"
        );
        assert_eq!(queue.get().await, "a");
        timeout(Duration::from_secs(1), second)
            .await
            .expect("the get made room, and told the waiting put");
        assert_eq!(queue.get().await, "b");
    }

    /// A consumer polled once, then kept but no longer polled (a `select!`
    /// over `&mut get` whose other branch won), is given the wake-up of the
    /// next `put`, having waited longest, and the consumer waiting beside it
    /// sleeps on with the item in the queue, until the held one is dropped,
    /// which passes the wake-up on. A spawned `get` is polled by the runtime.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_in_get_stalls_the_others_until_dropped_or_spawned() {
        let queue = Arc::new(AsyncQueue::new(2));
        let patience = Duration::from_secs(1);
        let mut held = Box::pin(queue.get());
        tokio::select! {
            _ = &mut held => unreachable!("the queue is empty"),
            () = sleep(Duration::from_millis(10)) => {}
        }
        let mut other = Box::pin(queue.get());
        assert!(poll!(other.as_mut()).is_pending());
        queue.put("first").await;
        assert!(timeout(patience, other.as_mut()).await.is_err(), "no stall");
        drop(held);
        assert_eq!(timeout(patience, other).await, Ok("first"));

        // A spawned `get` takes an item, and the `get` after it goes on.
        // Which item each gets is up to which looks first.
        let spawned = AbortOnDropHandle::new(tokio::spawn({
            let queue = Arc::clone(&queue);
            async move { queue.get().await }
        }));
        sleep(Duration::from_millis(10)).await;
        let mut other = Box::pin(queue.get());
        assert!(poll!(other.as_mut()).is_pending());
        queue.put("second").await;
        queue.put("third").await;
        let mine = timeout(patience, other).await.unwrap();
        let mut items = [mine, spawned.await.unwrap()];
        items.sort_unstable();
        assert_eq!(items, ["second", "third"]);
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

    /// `consumers` wait in `get`, then as many items come, each once the one
    /// before was taken: the polls of their `get`s, per item.
    async fn polls_per_item(consumers: usize) -> f64 {
        let queue = Arc::new(AsyncQueue::new(0));
        let polls = Arc::new(AtomicUsize::new(0));
        let taken = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..consumers)
            .map(|_| {
                let (queue, polls, taken) =
                    (Arc::clone(&queue), Arc::clone(&polls), Arc::clone(&taken));
                AbortOnDropHandle::new(tokio::spawn(async move {
                    counting_polls(polls, queue.get()).await;
                    taken.fetch_add(1, Ordering::Relaxed);
                }))
            })
            .collect();
        while polls.load(Ordering::Relaxed) < consumers {
            tokio::task::yield_now().await;
        }
        for item in 0..consumers {
            queue.put(item).await;
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
}
