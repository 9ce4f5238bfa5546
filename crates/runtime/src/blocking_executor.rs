//! `spawn_blocking` is `run_in_executor(None, ...)`; a semaphore in front of
//! it is `ThreadPoolExecutor(max_workers=3)`.
//!
//! A blocking call stops the thread it runs on, and a runtime thread runs
//! other tasks too; `spawn_blocking` moves it to Tokio's blocking pool (up to
//! 512 threads), where, with no GIL, threads compute in parallel. To cap one
//! kind of work, take a semaphore permit first and move it into the closure:
//! a blocking call can't be cancelled, so the permit must last as long as the
//! thread's work, not the caller's wait. Permits go in the order they were
//! asked for (what that costs: the book's page "Limiting concurrency"). See
//! the book's page "Blocking work".
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

    /// `loop.run_in_executor(executor, job)`: waits for a worker, in the
    /// order callers asked, then runs `job` on a blocking thread.
    async fn run<T, F>(&self, job: F) -> anyhow::Result<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .context("the pool was closed")?;
        // Moved into the job: a caller that gives up while it runs can't
        // stop it, and the worker stays taken until it ends.
        spawn_blocking(move || {
            let _permit = permit;
            job()
        })
        .await
        .context("a blocking job panicked")
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
    use std::future::{Future, poll_fn};
    use std::pin::pin;
    use std::sync::Mutex;
    use std::sync::mpsc;

    use futures::poll;
    use tokio::time::{sleep, timeout};
    use tokio_util::task::AbortOnDropHandle;

    use super::*;

    /// A bound on every wait for a job that should run, so that one that
    /// never does fails the test rather than hang it; never what decides a
    /// pass.
    const PATIENCE: Duration = Duration::from_secs(30);

    /// A pool of one worker, kept busy until the returned sender sends or is
    /// dropped; returns once the job runs.
    async fn busy_pool() -> (BoundedBlockingPool, mpsc::Sender<()>, AbortOnDropHandle<()>) {
        let pool = BoundedBlockingPool::new(NonZeroUsize::MIN);
        let (started, has_started) = tokio::sync::oneshot::channel();
        let (release, released) = mpsc::channel::<()>();
        let busy = AbortOnDropHandle::new(tokio::spawn({
            let pool = pool.clone();
            async move {
                let job = move || {
                    let _ = started.send(());
                    let _ = released.recv();
                };
                pool.run(job).await.unwrap();
            }
        }));
        has_started.await.unwrap();
        (pool, release, busy)
    }

    /// A task that runs jobs in a loop on the one worker, and one other
    /// caller: each of its five jobs runs next, after at most the looping
    /// job that had the worker when it asked. Permits go in the order they
    /// were asked for, so the looping task, which asks again only once its
    /// job is done, is behind it in line.
    #[tokio::test]
    async fn a_looping_caller_does_not_starve_another() {
        let pool = BoundedBlockingPool::new(NonZeroUsize::MIN);
        let order = Arc::new(Mutex::new(Vec::new()));
        let _looping = AbortOnDropHandle::new(tokio::spawn({
            let (pool, order) = (pool.clone(), Arc::clone(&order));
            async move {
                loop {
                    let order = Arc::clone(&order);
                    pool.run(move || {
                        order.lock().unwrap().push("loop");
                        std::thread::sleep(Duration::from_millis(5));
                    })
                    .await
                    .unwrap();
                }
            }
        }));
        tokio::task::yield_now().await;
        for _ in 0..5 {
            order.lock().unwrap().push("asked");
            let order = Arc::clone(&order);
            let job = move || order.lock().unwrap().push("other");
            timeout(PATIENCE, pool.run(job)).await.unwrap().unwrap();
        }
        let order = order.lock().unwrap().clone();
        let mut waited = order.split(|&step| step == "asked").skip(1);
        assert!(
            waited.all(|steps| steps.iter().take_while(|&&step| step == "loop").count() <= 1),
            "{order:?}"
        );
    }

    /// Five callers queue in turn while the one worker is busy: in how many
    /// of 40 runs their jobs ran in that order.
    async fn runs_in_order() -> usize {
        let mut in_order = 0;
        for _ in 0..40 {
            let (pool, release, busy) = busy_pool().await;
            let order = Arc::new(Mutex::new(Vec::new()));
            let mut callers = Vec::new();
            for id in 0..5 {
                let (pool, order) = (pool.clone(), Arc::clone(&order));
                // Polled once here, so that it is in line before the next.
                let mut queued = Box::pin(async move {
                    pool.run(move || order.lock().unwrap().push(id))
                        .await
                        .unwrap();
                });
                assert!(poll!(queued.as_mut()).is_pending());
                callers.push(AbortOnDropHandle::new(tokio::spawn(queued)));
            }
            release.send(()).unwrap();
            busy.await.unwrap();
            for caller in callers {
                caller.await.unwrap();
            }
            in_order += usize::from(*order.lock().unwrap() == [0, 1, 2, 3, 4]);
        }
        in_order
    }

    #[tokio::test]
    async fn jobs_start_in_the_order_they_were_given_fifo() {
        assert_eq!(runs_in_order().await, 40);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn jobs_start_in_the_order_they_were_given_fifo_on_the_multi_thread_runtime() {
        assert_eq!(runs_in_order().await, 40);
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

    /// `callers` wait for the busy worker: the polls of their `run`s, per
    /// job run.
    async fn polls_per_job(callers: usize) -> f64 {
        let (pool, release, busy) = busy_pool().await;
        let polls = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..callers)
            .map(|_| {
                let (pool, polls) = (pool.clone(), Arc::clone(&polls));
                AbortOnDropHandle::new(tokio::spawn(async move {
                    counting_polls(polls, pool.run(|| ())).await.unwrap();
                }))
            })
            .collect();
        while polls.load(Ordering::Relaxed) < callers {
            tokio::task::yield_now().await;
        }
        release.send(()).unwrap();
        busy.await.unwrap();
        for task in tasks {
            task.await.unwrap();
        }
        polls.load(Ordering::Relaxed) as f64 / callers as f64
    }

    #[tokio::test]
    async fn polls_per_job_stay_bounded_as_waiters_grow() {
        let mut per_job = Vec::new();
        for callers in [10, 100, 1000] {
            per_job.push(polls_per_job(callers).await);
        }
        assert!(per_job.iter().all(|&polls| polls <= 3.0), "{per_job:?}");
    }

    /// A `run` polled once while the worker is busy, then kept but no longer
    /// polled (a `select!` over `&mut` it whose other branch won), is handed
    /// the worker when it is free, and every caller behind it waits until it
    /// is dropped. Both fixes at the call site work: a `select!` that owns
    /// its `run` drops it when the other branch wins, and a spawned `run` is
    /// polled by the runtime.
    #[tokio::test]
    async fn a_held_caller_stalls_the_others_until_dropped_or_spawned() {
        // Long enough to show a stall: a call that is not stalled takes a
        // fraction of it, and load can only make it slower, never let a
        // stalled one through.
        let a_while = Duration::from_secs(1);
        let (pool, release, busy) = busy_pool().await;
        let mut held = Box::pin(pool.run(|| "held"));
        tokio::select! {
            _ = &mut held => unreachable!("the worker is busy"),
            () = sleep(Duration::from_millis(10)) => {}
        }
        release.send(()).unwrap();
        busy.await.unwrap();
        assert!(
            timeout(a_while, pool.run(|| "behind")).await.is_err(),
            "no stall"
        );
        drop(held);
        timeout(PATIENCE, pool.run(|| "behind"))
            .await
            .unwrap()
            .unwrap();

        // Fix 1: `select!` owns the call, and drops it when the timer wins.
        let (pool, release, busy) = busy_pool().await;
        tokio::select! {
            _ = pool.run(|| "owned") => unreachable!("the worker is busy"),
            () = sleep(Duration::from_millis(10)) => {}
        }
        release.send(()).unwrap();
        busy.await.unwrap();
        timeout(PATIENCE, pool.run(|| "behind"))
            .await
            .unwrap()
            .unwrap();

        // Fix 2: a spawned call takes its turn, and frees the worker.
        let (pool, release, busy) = busy_pool().await;
        let spawned = AbortOnDropHandle::new(tokio::spawn({
            let pool = pool.clone();
            async move { pool.run(|| "spawned").await }
        }));
        sleep(Duration::from_millis(10)).await;
        release.send(()).unwrap();
        busy.await.unwrap();
        timeout(PATIENCE, pool.run(|| "behind"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(spawned.await.unwrap().unwrap(), "spawned");
    }
}
