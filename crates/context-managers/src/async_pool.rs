//! A pool that limits how many tasks use something at once: Tokio's
//! `Semaphore`, and a guard, `Slot`, that gives its place back when dropped.
//!
//! The guide's `__aexit__` calls the async `release()` without `await`, so no
//! slot is ever given back: on `AsyncPool(3)` a fourth use waits for ever. In
//! Rust there is no release to forget: dropping the `Slot` gives the slot
//! back, on every way out, cancellation included. Tokio's semaphore, like
//! asyncio's, serves callers in the order they asked, so a task that takes a
//! slot in a loop can't starve the others; the price: an `acquire` kept alive
//! but no longer polled keeps the slot it was handed from everyone until it
//! is dropped, and with one slot, every caller behind it waits (the book's
//! page "Limiting concurrency").
//!
//! Translates:
//! - *Python Async/Await*, "Resource Management" (`AsyncPool`)

use std::io::{self, Write as _};
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::sync::{AcquireError, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep};

/// `AsyncPool(size)`: at most `size` holders of a [`Slot`] at once.
#[derive(Clone)]
struct AsyncPool {
    size: usize,
    permits: Arc<Semaphore>,
}

/// A place in the pool, given back when dropped.
struct Slot {
    user: String,
    /// Released after `drop` below has run, even if its print panics.
    _permit: OwnedSemaphorePermit,
}

impl AsyncPool {
    /// A pool of size zero would make every caller wait for ever, so the
    /// type rules it out.
    fn new(size: NonZeroUsize) -> Self {
        // A Tokio semaphore holds at most `MAX_PERMITS` (2^61 - 1 on 64
        // bits) and panics past it; so many slots are no limit.
        let size = size.get().min(Semaphore::MAX_PERMITS);
        Self {
            size,
            permits: Arc::new(Semaphore::new(size)),
        }
    }

    /// `__aenter__`. Fails only once the semaphore is closed, which this
    /// pool never does.
    async fn acquire(&self, user: &str) -> Result<Slot, AcquireError> {
        let permit = Arc::clone(&self.permits).acquire_owned().await?;
        Ok(Slot {
            user: user.to_owned(),
            _permit: permit,
        })
    }

    fn free(&self) -> usize {
        self.permits.available_permits()
    }
}

impl Drop for Slot {
    /// `__aexit__`.
    fn drop(&mut self) {
        // Not `println!`, which panics when a write to stdout fails (a full
        // disk, a reader gone): a panic in a `drop` that runs while another
        // unwinds aborts the process.
        let _ = writeln!(io::stdout(), "{} released its slot", self.user);
    }
}

async fn some_operation(pool: &AsyncPool, user: &str, fail: bool) -> anyhow::Result<()> {
    let slot = pool.acquire(user).await?;
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
    // before the slot goes back.
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
    // A `JoinSet` aborts its tasks when dropped, so a cancelled `run`
    // stops the workers too.
    let mut workers = JoinSet::new();
    for i in 0..5 {
        let arrival = Duration::from_millis(100) * i;
        let name = format!("W{}", i + 1);
        workers.spawn(worker(pool.clone(), name, arrival, start, in_use.clone()));
    }
    while let Some(result) = workers.join_next().await {
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
    use std::future::{Future, poll_fn};
    use std::pin::pin;
    use std::sync::Mutex;

    use futures::poll;
    use tokio::time::timeout;
    use tokio_util::task::AbortOnDropHandle;

    use super::*;

    /// With one slot: an `acquire` polled once, then kept but no longer
    /// polled (a `select!` over `&mut acquire` whose other branch won), is
    /// handed the slot when it comes back, and every caller behind it waits
    /// until it is dropped. Both fixes at the call site work: a `select!`
    /// that owns its `acquire` drops it when the other branch wins, and a
    /// spawned `acquire` is polled by the runtime.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_stalls_the_others_until_dropped_or_spawned() {
        let pool = AsyncPool::new(NonZeroUsize::MIN);
        let patience = Duration::from_secs(1);
        let first = pool.acquire("first").await.unwrap();
        let mut held = Box::pin(pool.acquire("held"));
        tokio::select! {
            _ = &mut held => unreachable!("the pool is full"),
            () = sleep(Duration::from_millis(10)) => {}
        }
        drop(first);
        let stalled = timeout(patience, pool.acquire("behind")).await;
        assert!(stalled.is_err(), "the slot went to the held caller");
        drop(held);
        timeout(patience, pool.acquire("behind"))
            .await
            .unwrap()
            .unwrap();

        // Fix 1: `select!` owns the `acquire`, and drops it when the timer wins.
        let first = pool.acquire("first").await.unwrap();
        tokio::select! {
            _ = pool.acquire("owned") => unreachable!("the pool is full"),
            () = sleep(Duration::from_millis(10)) => {}
        }
        drop(first);
        timeout(patience, pool.acquire("behind"))
            .await
            .unwrap()
            .unwrap();

        // Fix 2: a spawned `acquire` takes its turn, and gives the slot back.
        let first = pool.acquire("first").await.unwrap();
        let spawned = AbortOnDropHandle::new(tokio::spawn({
            let pool = pool.clone();
            async move { drop(pool.acquire("spawned").await) }
        }));
        sleep(Duration::from_millis(10)).await;
        drop(first);
        timeout(patience, pool.acquire("behind"))
            .await
            .unwrap()
            .unwrap();
        spawned.await.unwrap();
    }

    /// A task that takes the slot in a loop, and one other caller: each of
    /// its five `acquire`s is served within half a second.
    #[tokio::test(start_paused = true)]
    async fn a_looping_holder_does_not_starve_a_waiter() {
        let pool = AsyncPool::new(NonZeroUsize::MIN);
        let _holder = AbortOnDropHandle::new(tokio::spawn({
            let pool = pool.clone();
            async move {
                loop {
                    let slot = pool.acquire("holder").await.unwrap();
                    sleep(Duration::from_millis(10)).await;
                    drop(slot);
                }
            }
        }));
        tokio::task::yield_now().await;
        let mut timed_out = 0;
        for _ in 0..5 {
            match timeout(Duration::from_millis(500), pool.acquire("waiter")).await {
                Ok(slot) => drop(slot.unwrap()),
                Err(_) => timed_out += 1,
            }
        }
        assert_eq!(timed_out, 0, "{timed_out} of 5 acquires starved");
    }

    /// Five callers queue in turn for the one slot, then it is given back
    /// and a sixth arrives: the order they got it in.
    async fn order_served() -> Vec<usize> {
        let pool = AsyncPool::new(NonZeroUsize::MIN);
        let first = pool.acquire("first").await.unwrap();
        let order = Arc::new(Mutex::new(Vec::new()));
        let caller = |id: usize| {
            let (pool, order) = (pool.clone(), Arc::clone(&order));
            async move {
                let slot = pool.acquire("caller").await.unwrap();
                order.lock().unwrap().push(id);
                tokio::task::yield_now().await;
                drop(slot);
            }
        };
        let mut callers = Vec::new();
        for id in 0..5 {
            // Polled once here, so that it is in line before the next.
            let mut queued = Box::pin(caller(id));
            assert!(poll!(queued.as_mut()).is_pending());
            callers.push(AbortOnDropHandle::new(tokio::spawn(queued)));
        }
        drop(first);
        callers.push(AbortOnDropHandle::new(tokio::spawn(caller(5))));
        for caller in callers {
            caller.await.unwrap();
        }
        Arc::try_unwrap(order).unwrap().into_inner().unwrap()
    }

    async fn runs_served_in_order() -> usize {
        let mut in_order = 0;
        for _ in 0..40 {
            in_order += usize::from(order_served().await == [0, 1, 2, 3, 4, 5]);
        }
        in_order
    }

    #[tokio::test(start_paused = true)]
    async fn the_longest_waiter_gets_the_next_slot_fifo() {
        assert_eq!(runs_served_in_order().await, 40);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_longest_waiter_gets_the_next_slot_fifo_on_the_multi_thread_runtime() {
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

    /// `callers` wait for the one slot, each holding it across a yield once
    /// it has it: the polls of their `acquire`s, per caller served.
    async fn polls_per_hand_off(callers: usize) -> f64 {
        let pool = AsyncPool::new(NonZeroUsize::MIN);
        let first = pool.acquire("first").await.unwrap();
        let polls = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..callers)
            .map(|_| {
                let (pool, polls) = (pool.clone(), Arc::clone(&polls));
                AbortOnDropHandle::new(tokio::spawn(async move {
                    let slot = counting_polls(polls, pool.acquire("caller")).await;
                    tokio::task::yield_now().await;
                    drop(slot);
                }))
            })
            .collect();
        while polls.load(Ordering::Relaxed) < callers {
            tokio::task::yield_now().await;
        }
        drop(first);
        for task in tasks {
            task.await.unwrap();
        }
        polls.load(Ordering::Relaxed) as f64 / callers as f64
    }

    #[tokio::test(start_paused = true)]
    async fn polls_per_hand_off_stay_bounded_as_waiters_grow() {
        let mut per_hand_off = Vec::new();
        for callers in [10, 100, 1000] {
            per_hand_off.push(polls_per_hand_off(callers).await);
        }
        assert!(
            per_hand_off.iter().all(|&polls| polls <= 3.0),
            "{per_hand_off:?}"
        );
    }

    #[tokio::test]
    async fn the_largest_size_is_no_panic() {
        let pool = AsyncPool::new(NonZeroUsize::MAX);
        drop(pool.acquire("first").await.unwrap());
    }
}
