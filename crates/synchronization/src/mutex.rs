//! `asyncio.Lock` is `tokio::sync::Mutex` when the lock must be held across
//! an `.await`, and the standard library's `Mutex` when it need not be.
//!
//! The mutex owns the counter, so it can't be reached without the lock. The
//! guide's critical section sleeps, so it needs Tokio's mutex, which is fair,
//! as `asyncio.Lock` is: the workers take turns, and a `lock()` kept alive but
//! no longer polled holds up every one behind it
//! (`pitfalls/futurelock`). A counter only bumped between
//! awaits is the std mutex's job. Which to choose, and why a std guard must
//! never be held across an `.await`: the book's page "Shared state and locks".
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Semaphores and Locks" (the lock half)

use std::sync::{Arc, PoisonError};
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::task::{JoinError, JoinSet};
use tokio::time::sleep;

async fn increment_worker(name: &'static str, shared_resource: Arc<Mutex<u32>>) {
    for _ in 0..5 {
        let mut value = shared_resource.lock().await;
        // The critical section awaits while holding the lock: fine with
        // Tokio's mutex. Nobody else can read `*value` until the guard drops.
        let current = *value;
        sleep(Duration::from_millis(100)).await;
        *value = current + 1;
        println!("{name}: {}", *value);
    }
}

async fn lock_example() -> Result<(), JoinError> {
    let shared_resource = Arc::new(Mutex::new(0));
    // A `JoinSet` aborts its tasks when dropped, so a cancelled `run` stops
    // the workers too.
    let mut workers = JoinSet::new();
    // Worker1 goes first: the current-thread runtime runs tasks in the
    // order they were spawned, what Tokio does today but does not promise.
    workers.spawn(increment_worker("Worker1", shared_resource.clone()));
    workers.spawn(increment_worker("Worker2", shared_resource.clone()));
    while let Some(finished) = workers.join_next().await {
        finished?;
    }
    let final_value = *shared_resource.lock().await;
    println!("Final value: {final_value}");
    assert_eq!(final_value, 10, "an increment was lost");
    Ok(())
}

async fn std_mutex_example() -> Result<(), JoinError> {
    let hits = Arc::new(std::sync::Mutex::new(0_u64));
    let mut tasks = JoinSet::new();
    for _ in 0..10 {
        let hits = hits.clone();
        tasks.spawn(async move {
            for _ in 0..100 {
                // A panic while holding a lock "poisons" it. A counter cannot
                // be left half-updated, so a poisoned lock is still usable.
                *hits.lock().unwrap_or_else(PoisonError::into_inner) += 1;
                // The guard is gone before this `.await`: the statement above
                // locked, added and unlocked.
                tokio::task::yield_now().await;
            }
        });
    }
    while let Some(finished) = tasks.join_next().await {
        finished?;
    }
    let total = *hits.lock().unwrap_or_else(PoisonError::into_inner);
    println!("std::sync::Mutex, 10 tasks x 100 increments: {total}");
    assert_eq!(total, 1000, "an increment was lost");
    Ok(())
}

pub async fn run() -> Result<(), JoinError> {
    lock_example().await?;
    println!();
    std_mutex_example().await
}
