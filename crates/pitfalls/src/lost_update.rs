//! Shared mutable state across an `.await`: reading, awaiting and writing
//! back loses updates; holding an async lock across the whole update does not.
//!
//! Ten tasks each add one to a counter, with an `.await` between reading
//! the counter and writing it back. Every task reads 0 before any of them
//! writes, so the counter ends at 1, not 10: the guide's `increment_bad`.
//!
//! Rust makes the first version of this mistake impossible: tasks cannot
//! share a plain `&mut` counter at all (see the compile-fail cases
//! `two_tasks_mut_borrow.rs` and `spawn_borrows_local.rs`). It has to be
//! put behind a lock, and the borrow checker then forces the question of
//! how long the lock is held. Locking twice, once to read and once to write,
//! compiles and still loses updates, because the race is in the logic.
//!
//! The fix holds one lock for the whole read-await-write, as the guide's
//! `increment_good` means to. (The guide's version cannot run: its
//! `UnsafeCounter` has no `self.lock`, so it raises `AttributeError`.) A lock
//! held across an `.await` must be `tokio::sync::Mutex`: a
//! `std::sync::MutexGuard` is not `Send`, so a `tokio::spawn`ed task holding
//! one across an `.await` does not compile (the case
//! `std_mutex_across_await.rs`). Where it does compile (a `spawn_local`
//! task, futures joined in one task), a std guard held across an `.await`
//! blocks the thread for the next task that locks, which is the one thread
//! that could release it. With nothing to await inside the update, an
//! `AtomicU64` or a `std::sync::Mutex` is the cheaper choice.
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

    /// One guard for the read, the wait and the write.
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
