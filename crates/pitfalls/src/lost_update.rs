//! An update split by an `.await` loses updates; one lock across it loses none.
//!
//! Ten tasks each read a counter, await, and write it back plus one: all read
//! 0, and it ends at 1. Rust won't let tasks share a plain `&mut`, but locking
//! twice, to read and then to write, still compiles and still loses updates.
//! The fix, one `tokio::sync::Mutex` across the whole update, is what the
//! guide's `increment_good` means (it raises `AttributeError`: no `self.lock`).
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Avoiding Common Mistakes" (pitfall 5,
//!   sharing mutable state without synchronization)

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep};

const TASKS: u64 = 10;

#[derive(Default)]
struct Counter {
    count: Mutex<u64>,
}

impl Counter {
    /// Each access locks, but the update as a whole is not protected.
    async fn increment_bad(&self) {
        let current = *self.count.lock().await;
        sleep(Duration::from_millis(100)).await;
        *self.count.lock().await = current + 1;
    }

    /// One guard for the read, the wait and the write. (With no `.await`
    /// inside, an atomic or a std mutex would be cheaper.)
    async fn increment_good(&self) {
        let mut count = self.count.lock().await;
        let current = *count;
        sleep(Duration::from_millis(100)).await;
        *count = current + 1;
    }

    async fn get(&self) -> u64 {
        *self.count.lock().await
    }
}

pub async fn run() {
    let counter = Arc::new(Counter::default());
    let start = Instant::now();
    let mut tasks = JoinSet::new();
    for _ in 0..TASKS {
        let counter = Arc::clone(&counter);
        tasks.spawn(async move { counter.increment_bad().await });
    }
    tasks.join_all().await;
    let bad = counter.get().await;
    println!(
        "Without the lock held: {TASKS} increments gave {bad} in {:.1}s",
        start.elapsed().as_secs_f64()
    );
    // Each task reads before any writes, so on one thread the count is 1;
    // on several, what matters is that updates were lost at all.
    assert!(bad < TASKS, "no update was lost");

    let counter = Arc::new(Counter::default());
    let start = Instant::now();
    let mut tasks = JoinSet::new();
    for _ in 0..TASKS {
        let counter = Arc::clone(&counter);
        tasks.spawn(async move { counter.increment_good().await });
    }
    tasks.join_all().await;
    let good = counter.get().await;
    println!(
        "With the lock held: {TASKS} increments gave {good} in {:.1}s",
        start.elapsed().as_secs_f64()
    );
    assert_eq!(good, TASKS);
}
