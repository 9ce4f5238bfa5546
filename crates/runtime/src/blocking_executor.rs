//! `spawn_blocking` is `run_in_executor(None, ...)`; a semaphore in front of
//! it is `ThreadPoolExecutor(max_workers=3)`.
//!
//! A blocking call stops the thread it runs on, and a runtime thread runs
//! other tasks too; `spawn_blocking` moves it to Tokio's blocking pool (up to
//! 512 threads), where, with no GIL, threads compute in parallel. To cap one
//! kind of work, take a semaphore permit first and move it into the closure:
//! a blocking call can't be cancelled, so the permit must last as long as the
//! thread's work, not the caller's wait. See the book's page "Blocking work".
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Asyncio with Threading"

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::Context;
use futures::future::try_join_all;
use tokio::sync::Semaphore;
use tokio::task::spawn_blocking;
use tokio_util::task::AbortOnDropHandle;

fn blocking_operation(name: &str, duration: Duration) -> String {
    std::thread::sleep(duration);
    format!("Blocking operation {name} completed")
}

/// At most `max_workers` closures run at once on Tokio's blocking threads.
#[derive(Clone)]
struct BoundedBlockingPool {
    permits: Arc<Semaphore>,
}

impl BoundedBlockingPool {
    /// `NonZeroUsize`, where `ThreadPoolExecutor(max_workers=0)` raises
    /// `ValueError`: a pool of no workers could never run anything, and the
    /// type says so before the program runs.
    fn new(max_workers: NonZeroUsize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(max_workers.get())),
        }
    }

    /// `loop.run_in_executor(executor, job)`.
    ///
    /// The job waits for its permit in a task of its own, as a submitted job
    /// waits in an executor's queue. Waiting in the caller's future instead
    /// would let a caller that stops polling it (a `select!` that moved on,
    /// say) keep the permit Tokio hands to the first waiter in line, and
    /// with it every caller after. Dropping the caller's future still takes
    /// the job out of the queue.
    async fn run<T, F>(&self, job: F) -> anyhow::Result<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let permits = Arc::clone(&self.permits);
        let queued = AbortOnDropHandle::new(tokio::spawn(async move {
            let permit = permits
                .acquire_owned()
                .await
                .context("the pool was closed")?;
            spawn_blocking(move || {
                let _permit = permit;
                job()
            })
            .await
            .context("a blocking job panicked")
        }));
        queued
            .await
            .context("a job's place in the queue was lost")?
    }
}

pub async fn run() -> anyhow::Result<()> {
    // Method 1: run_in_executor with the default thread pool.
    let result = spawn_blocking(|| blocking_operation("A", Duration::from_secs(1)))
        .await
        .context("the blocking operation panicked")?;
    println!("{result}");

    // Method 2: a pool of three workers. Results come back in the order the
    // jobs were given, like `gather`, whichever thread finishes first.
    const MAX_WORKERS: NonZeroUsize = NonZeroUsize::new(3).expect("a pool of at least one worker");
    let pool = BoundedBlockingPool::new(MAX_WORKERS);
    let jobs = (0..3).map(|i| {
        pool.run(move || blocking_operation(&format!("Worker-{i}"), Duration::from_millis(500)))
    });
    for result in try_join_all(jobs).await? {
        println!("{result}");
    }

    // Twice as many jobs as workers: the semaphore holds back the rest.
    let occupancy = Arc::new(Occupancy::default());
    let jobs = (0..2 * MAX_WORKERS.get()).map(|_| {
        let occupancy = Arc::clone(&occupancy);
        pool.run(move || occupancy.around(|| std::thread::sleep(Duration::from_millis(100))))
    });
    let finished = try_join_all(jobs).await?.len();
    let peak = occupancy.peak.load(Ordering::SeqCst);
    assert!(peak <= MAX_WORKERS.get(), "{peak} jobs ran at once");
    println!("{finished} jobs finished, never more than {MAX_WORKERS} at once");
    Ok(())
}

// What only proves the limit: how many jobs run at once.

/// Counts the jobs running right now and the most there ever were.
#[derive(Default)]
struct Occupancy {
    running: AtomicUsize,
    peak: AtomicUsize,
}

impl Occupancy {
    fn around<T>(&self, job: impl FnOnce() -> T) -> T {
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        let output = job();
        self.running.fetch_sub(1, Ordering::SeqCst);
        output
    }
}

#[cfg(test)]
mod tests {
    use std::pin::pin;
    use std::sync::mpsc;

    use futures::poll;
    use tokio::sync::oneshot;
    use tokio::time::timeout;

    use super::*;

    /// The one worker is busy; a caller is polled once and then held, never
    /// polled again nor dropped. When the worker is free, the next caller
    /// still gets it.
    #[tokio::test]
    async fn a_held_caller_stalls_no_other_caller() {
        let pool = BoundedBlockingPool::new(NonZeroUsize::MIN);
        let (started, has_started) = oneshot::channel();
        let (release, released) = mpsc::channel::<()>();
        let busy = AbortOnDropHandle::new(tokio::spawn({
            let pool = pool.clone();
            async move {
                let job = move || {
                    let _ = started.send(());
                    released.recv()
                };
                pool.run(job).await
            }
        }));
        has_started.await.expect("the first job starts");
        let mut held = pin!(pool.run(|| "held"));
        assert!(poll!(held.as_mut()).is_pending(), "the worker is busy");
        release.send(()).expect("the first job waits for this");
        let first = busy.await.expect("no panic").expect("the first job ran");
        assert_eq!(first, Ok(()));
        let other = timeout(Duration::from_secs(5), pool.run(|| "other")).await;
        let other = other.expect("the worker within 5s").expect("the job ran");
        assert_eq!(other, "other");
    }
}
