//! The guide's hand-written `AsyncQueue` on condition variables, with Tokio's
//! `Notify` in place of `asyncio.Condition`.
//!
//! The guide's version crashes on the first `put` ("cannot notify on
//! un-acquired lock"): its two `Condition`s have two locks; one shared lock
//! fixes it. Tokio has no condition variable: the data sits in a
//! `std::sync::Mutex`, never held across an `.await`, with a `Notify` per
//! condition. Each change wakes every waiter of its condition
//! (`notify_waiters`, asyncio's `notify_all`), and each looks again: the
//! guide's `notify()`, Tokio's `notify_one`, would hand its one wake-up to a
//! waiter whose owner may never poll it again, and the others would sleep
//! on. A waiter creates its
//! `Notified` before it checks the queue, which `notify_waiters` reaches from
//! then on, so no wake-up slips in between. A `put` dropped while it waits
//! for room loses its item, as `mpsc::Sender::send` does. For real code with
//! one consumer, use a bounded `mpsc` channel.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Async Condition Variables"

use std::collections::VecDeque;
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

    async fn put(&self, item: T) {
        loop {
            let not_full = self.not_full.notified();
            {
                let mut items = self.items();
                if self.maxsize == 0 || items.len() < self.maxsize {
                    items.push_back(item);
                    self.not_empty.notify_waiters();
                    return;
                }
            }
            not_full.await;
        }
    }

    async fn get(&self) -> T {
        loop {
            let not_empty = self.not_empty.notified();
            if let Some(item) = self.items().pop_front() {
                self.not_full.notify_waiters();
                return item;
            }
            not_empty.await;
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
    use std::pin::pin;

    use futures::{FutureExt, poll};

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

    /// A consumer polled once and then neither polled nor dropped (a branch
    /// of a `select!` that stopped polling it) takes no wake-up from the
    /// consumer waiting beside it.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_in_get_holds_up_no_other_get() {
        let queue = AsyncQueue::new(2);
        let mut held = pin!(queue.get());
        assert!(poll!(held.as_mut()).is_pending());
        let (item, ()) = tokio::join!(
            timeout(Duration::from_secs(1), queue.get()),
            queue.put("only"),
        );
        assert_eq!(item.expect("the other consumer was woken"), "only");
    }

    /// The same for producers waiting for room.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_in_put_holds_up_no_other_put() {
        let queue = AsyncQueue::new(1);
        queue.put("first").await;
        let mut held = pin!(queue.put("held"));
        assert!(poll!(held.as_mut()).is_pending());
        let (put, item) = tokio::join!(
            timeout(Duration::from_secs(1), queue.put("second")),
            queue.get(),
        );
        assert_eq!(item, "first");
        put.expect("the other producer was woken");
    }
}
