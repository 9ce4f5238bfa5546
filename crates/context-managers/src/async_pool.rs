//! A pool that limits how many tasks use something at once: a count of the
//! slots taken, and a guard, `Slot`, that gives its place back when dropped,
//! so a slot can't be kept by mistake.
//!
//! The guide's `__aexit__` calls the async `release()` without `await`, so no
//! slot is ever given back: on `AsyncPool(3)` a fourth use waits for ever. In
//! Rust there is no release to forget: dropping the `Slot` gives the slot
//! back, on every way out, cancellation included, and the slot can move into
//! a task. The guide's `Semaphore` is not Tokio's here: Tokio's hands a freed
//! permit to the first waiter in line whether or not anything polls that
//! waiter again, so one left in a `select!` that stopped polling it would
//! keep the slot for ever. Instead the count sits in a `std` mutex, and a
//! freed slot wakes every waiter (a `Notify`): each looks again, the first
//! to look takes it, and a waiter nobody polls takes nothing. Given up: the
//! queue order. Tokio wakes waiters in the order they began to wait, but a
//! caller that just arrived may take a slot first.
//!
//! Translates:
//! - *Python Async/Await*, "Resource Management" (`AsyncPool`)

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use anyhow::{Context, bail};
use futures::future::join_all;
use tokio::sync::Notify;
use tokio::time::{Instant, sleep};
use tokio_util::task::AbortOnDropHandle;

/// `AsyncPool(size)`: at most `size` holders of a [`Slot`] at once.
#[derive(Clone)]
struct AsyncPool {
    size: usize,
    shared: Arc<Shared>,
}

struct Shared {
    /// How many slots are held.
    taken: Mutex<usize>,
    /// Told when a slot is freed.
    freed: Notify,
}

impl Shared {
    /// The lock is held for one addition or subtraction, which cannot panic
    /// halfway, so the count is whole even if another holder panicked.
    fn taken(&self) -> MutexGuard<'_, usize> {
        self.taken.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A place in the pool, given back when dropped.
struct Slot {
    user: String,
    shared: Arc<Shared>,
}

impl AsyncPool {
    /// A pool of size zero would make every caller wait for ever, so the
    /// type rules it out.
    fn new(size: NonZeroUsize) -> Self {
        Self {
            size: size.get(),
            shared: Arc::new(Shared {
                taken: Mutex::new(0),
                freed: Notify::new(),
            }),
        }
    }

    /// `__aenter__`.
    async fn acquire(&self, user: &str) -> Slot {
        loop {
            // Made before the look: `notify_waiters` reaches a `Notified`
            // from the moment it is made, so a slot freed between the look
            // and the wait still wakes this caller.
            let freed = self.shared.freed.notified();
            {
                let mut taken = self.shared.taken();
                if *taken < self.size {
                    *taken += 1;
                    return Slot {
                        user: user.to_owned(),
                        shared: Arc::clone(&self.shared),
                    };
                }
            }
            freed.await;
        }
    }

    fn free(&self) -> usize {
        self.size - *self.shared.taken()
    }
}

impl Drop for Slot {
    /// `__aexit__`.
    fn drop(&mut self) {
        *self.shared.taken() -= 1;
        // Every waiter looks again, so one that is never polled again
        // takes nothing from the others. Before the print, which panics if
        // stdout is closed: the slot comes back all the same.
        self.shared.freed.notify_waiters();
        println!("{} released its slot", self.user);
    }
}

async fn some_operation(pool: &AsyncPool, user: &str, fail: bool) -> anyhow::Result<()> {
    let slot = pool.acquire(user).await;
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
) {
    sleep(arrival).await;
    let _slot = pool.acquire(&name).await;
    // Declared after the slot, so dropped before it: the count goes down
    // before the slot goes back.
    let _held = in_use.enter();
    println!(
        "[{:.1}s] {name} acquired a slot",
        start.elapsed().as_secs_f64()
    );
    sleep(Duration::from_secs(1)).await;
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
        result.context("a worker panicked")?;
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

    /// With one slot: a caller polled once while the slot is taken, then
    /// neither polled nor dropped (a branch of a `select!` that stopped
    /// polling it), and the callers after it still get the slot when it is
    /// given back.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_takes_no_slot_from_the_others() {
        let pool = AsyncPool::new(NonZeroUsize::MIN);
        let first = pool.acquire("first").await;
        let mut held = pin!(pool.acquire("held"));
        assert!(poll!(held.as_mut()).is_pending(), "the pool is full");
        drop(first);
        for _ in 0..3 {
            let slot = timeout(Duration::from_secs(1), pool.acquire("other")).await;
            slot.expect("a slot was free");
        }
        assert_eq!(pool.free(), 1, "the held caller took nothing");
    }
}
