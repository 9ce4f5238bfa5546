//! A pool that limits how many tasks use something at once: a `Semaphore`
//! whose owned permit is the guard, so a slot can't be kept by mistake.
//!
//! The guide's `__aexit__` calls the async `release()` without `await`, so no
//! slot is ever given back: on `AsyncPool(3)` a fourth use waits for ever. In
//! Rust there is no release to forget: dropping the `OwnedSemaphorePermit`
//! gives the slot back, on every way out, cancellation included, and the
//! permit can move into a task. The semaphore is fair: waiters get slots in
//! the order they asked.
//!
//! Translates:
//! - *Python Async/Await*, "Resource Management" (`AsyncPool`)

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use futures::future::join_all;
use tokio::sync::{AcquireError, OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, sleep};
use tokio_util::task::AbortOnDropHandle;

/// `AsyncPool(size)`: at most `size` holders of a [`Slot`] at once.
#[derive(Clone)]
struct AsyncPool {
    size: usize,
    semaphore: Arc<Semaphore>,
}

/// A place in the pool, given back when dropped.
struct Slot {
    user: String,
    _permit: OwnedSemaphorePermit,
}

impl AsyncPool {
    /// A pool of size zero would make every caller wait for ever, so the
    /// type rules it out; more than `Semaphore::MAX_PERMITS` panics.
    fn new(size: NonZeroUsize) -> Self {
        let size = size.get();
        Self {
            size,
            semaphore: Arc::new(Semaphore::new(size)),
        }
    }

    /// `__aenter__`. Fails only if the semaphore was closed.
    async fn acquire(&self, user: &str) -> Result<Slot, AcquireError> {
        let permit = self.semaphore.clone().acquire_owned().await?;
        Ok(Slot {
            user: user.to_owned(),
            _permit: permit,
        })
    }

    fn free(&self) -> usize {
        self.semaphore.available_permits()
    }
}

impl Drop for Slot {
    /// `__aexit__`; the permit itself is returned right after this runs.
    fn drop(&mut self) {
        println!("{} released its slot", self.user);
    }
}

async fn some_operation(pool: &AsyncPool, user: &str, fail: bool) -> anyhow::Result<()> {
    let slot = pool.acquire(user).await.context("the pool is closed")?;
    println!(
        "{} acquired a slot; {} of {} free",
        slot.user,
        pool.free(),
        pool.size
    );
    sleep(Duration::from_millis(100)).await;
    if fail {
        bail!("{} failed halfway", slot.user);
    }
    Ok(())
}

async fn worker(
    pool: AsyncPool,
    name: String,
    arrival: Duration,
    start: Instant,
    in_use: Arc<InUse>,
) -> Result<(), AcquireError> {
    sleep(arrival).await;
    let _slot = pool.acquire(&name).await?;
    // Declared after the slot, so dropped before it: the count goes down
    // before the permit goes back.
    let _held = in_use.enter();
    println!(
        "[{:.1}s] {name} acquired a slot",
        start.elapsed().as_secs_f64()
    );
    sleep(Duration::from_secs(1)).await;
    Ok(())
}

pub async fn run() -> anyhow::Result<()> {
    let pool = AsyncPool::new(const { NonZeroUsize::new(3).expect("not zero") });

    // Five uses in a row of a pool of three: the guide's version hangs on the fourth.
    for use_number in 1..=5 {
        some_operation(&pool, &format!("use {use_number}"), false).await?;
    }
    println!("Free after five uses: {} of {}", pool.free(), pool.size);

    println!();
    if let Err(error) = some_operation(&pool, "failing use", true).await {
        println!("Error: {error}");
    }
    println!("Free after the failure: {} of {}", pool.free(), pool.size);

    println!();
    let pool = AsyncPool::new(const { NonZeroUsize::new(2).expect("not zero") });
    let start = Instant::now();
    let in_use = Arc::new(InUse::default());
    let workers = (0..5).map(|i| {
        let arrival = Duration::from_millis(100) * i;
        let name = format!("W{}", i + 1);
        // Dropped with `run`, if it is cancelled, the handle aborts the
        // worker: a plain `JoinHandle` would leave it running, detached.
        AbortOnDropHandle::new(tokio::spawn(worker(
            pool.clone(),
            name,
            arrival,
            start,
            in_use.clone(),
        )))
    });
    for result in join_all(workers).await {
        result.context("a worker panicked")??;
    }
    println!(
        "[{:.1}s] All done; {} of {} free",
        start.elapsed().as_secs_f64(),
        pool.free(),
        pool.size
    );
    assert_eq!(pool.free(), pool.size, "every slot was given back");
    let peak = in_use.peak.load(Ordering::SeqCst);
    assert!(
        peak <= pool.size,
        "{peak} slots held at once, pool size {}",
        pool.size
    );
    Ok(())
}

// What only proves the limit: how many slots are held at once.

/// How many slots are held now, and the most there ever were.
#[derive(Default)]
struct InUse {
    now: AtomicUsize,
    peak: AtomicUsize,
}

impl InUse {
    /// Counts a slot in until the returned guard is dropped, so a holder
    /// that is cancelled or panics is counted out too.
    fn enter(self: &Arc<Self>) -> Held {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        Held(self.clone())
    }
}

struct Held(Arc<InUse>);

impl Drop for Held {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use std::pin::pin;

    use futures::poll;
    use tokio::time::timeout;

    use super::*;

    /// A caller polled once and then neither polled nor dropped (a branch
    /// of a `select!` that stopped polling it) is handed a slot in its turn
    /// and keeps it; the other callers share the rest.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_keeps_one_slot_and_holds_up_no_one() {
        let pool = AsyncPool::new(NonZeroUsize::new(2).unwrap());
        let first = pool.acquire("first").await.unwrap();
        let second = pool.acquire("second").await.unwrap();
        let mut held = pin!(pool.acquire("held"));
        assert!(poll!(held.as_mut()).is_pending());
        // The semaphore hands `first`'s slot to `held`, first in line.
        drop(first);
        drop(second);
        for _ in 0..3 {
            let slot = timeout(Duration::from_secs(1), pool.acquire("other")).await;
            slot.expect("a slot was free").unwrap();
        }
        assert_eq!(pool.free(), 1, "the held caller's slot is still out");
    }
}
