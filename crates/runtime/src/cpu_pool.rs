//! CPU-heavy work on a rayon pool, one thread per CPU, its result awaited on
//! a `oneshot`: the runtime's threads stay free, and a panic is an error.
//!
//! asyncio sends CPU work to a `ProcessPoolExecutor`, as CPython computes in
//! parallel only in other processes; Rust's threads compute in parallel, so
//! a pool of threads is enough. `on_pool` is the pattern: the pool runs the
//! job and a `oneshot` carries its result back to the task that awaits it.
//! The pool is the cap: jobs past one per CPU queue, where each
//! `spawn_blocking` would start a thread of its own, up to 512. What a copy
//! must keep: the job runs inside `catch_unwind`, since a panic that escapes
//! a rayon job aborts the process; a job whose caller was dropped before it
//! started is skipped; input too large for a request is refused before it
//! reaches the pool. A job that has started runs to its end, as a thread
//! can't be stopped from outside: dropping its caller only drops the result.
//! The pool here is `run()`'s own, whose threads end when it is dropped;
//! `rayon::spawn` uses rayon's global pool, which lives as long as the
//! program. Which place suits which work, and a heartbeat measured beside
//! each: the book's page "Blocking work".
//!
//! Translates:
//! - *Python Async Programming: A Detailed Guide*,
//!   "Bad Use Cases (CPU-Bound Operations)"

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};

use futures::future::try_join_all;
use rayon::{ThreadPool, ThreadPoolBuilder};
use tokio::sync::oneshot;

/// Why a job sent to the pool gave no result.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    #[error("the job panicked: {0}")]
    Panicked(String),
    /// Only if the pool dropped the job unrun, which rayon's pools don't:
    /// a pool that is dropped runs the jobs it holds first.
    #[error("the job was dropped before it ran")]
    Dropped,
}

/// Runs `job` on `pool` and waits for its result, holding no runtime thread
/// meanwhile.
pub async fn on_pool<T, F>(pool: &ThreadPool, job: F) -> Result<T, PoolError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let (done, result) = oneshot::channel();
    pool.spawn(move || {
        // Its caller was dropped while it queued: nobody wants the result.
        if done.is_closed() {
            return;
        }
        // A panic that leaves a `rayon::spawn` job aborts the process.
        let outcome = panic::catch_unwind(AssertUnwindSafe(job));
        let outcome = outcome.map_err(|payload| panic_message(&*payload).to_owned());
        // Fails only if the caller is gone; the result is dropped with it.
        let _ = done.send(outcome);
    });
    match result.await {
        Ok(outcome) => outcome.map_err(PoolError::Panicked),
        Err(_) => Err(PoolError::Dropped),
    }
}

/// The message of a panic payload: `panic!` with a literal carries a
/// `&'static str`, with a format string a `String`.
fn panic_message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(not a string)")
}

/// Why a count gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum CountError {
    #[error("{limit} is above the {MAX_LIMIT} this counts up to")]
    TooLarge { limit: u32 },
    #[error(transparent)]
    Pool(#[from] PoolError),
}

/// The largest input a caller may ask for: a few seconds of one CPU, so that
/// no request can hold a pool thread for hours.
const MAX_LIMIT: u32 = 10_000_000;

/// The primes below `limit`, counted on the pool: what a request handler
/// hands off. Refused above [`MAX_LIMIT`]; 0 and 1 have none below them.
pub async fn count_primes(pool: &ThreadPool, limit: u32) -> Result<usize, CountError> {
    if limit > MAX_LIMIT {
        return Err(CountError::TooLarge { limit });
    }
    Ok(on_pool(pool, move || primes_below(limit)).await?)
}

/// By trial division, as the guide computes them.
fn primes_below(limit: u32) -> usize {
    let is_prime = |n: &u32| {
        (2..)
            .take_while(|d| d * d <= *n)
            .all(|d| !n.is_multiple_of(d))
    };
    (2..limit).filter(is_prime).count()
}

pub async fn run() -> anyhow::Result<()> {
    // One thread per CPU, rayon's default (or `RAYON_NUM_THREADS`).
    let pool = ThreadPoolBuilder::new().build()?;
    // Computed at once, on as many threads as the pool has.
    let limits = [0, 10_000, 50_000, 100_000];
    let counts = try_join_all(limits.map(|limit| count_primes(&pool, limit))).await?;
    for (limit, count) in limits.iter().zip(counts) {
        println!("Primes below {limit}: {count}");
    }
    match count_primes(&pool, u32::MAX).await {
        Ok(count) => println!("Primes below {}: {count}", u32::MAX),
        Err(error) => println!("Refused: {error}"),
    }
    match on_pool(&pool, || -> usize { panic!("a bug in the job") }).await {
        Ok(count) => println!("The faulty job returned {count}"),
        Err(error) => println!("A faulty job came back as an error: {error}"),
    }
    let count = count_primes(&pool, 100).await?;
    println!("Primes below 100, after it: {count}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::future::Future as _;
    use std::sync::{Arc, mpsc};
    use std::task::{Context, Wake, Waker};

    use super::*;

    fn pool(threads: usize) -> ThreadPool {
        ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
    }

    #[tokio::test]
    async fn a_panic_comes_back_as_an_error_and_the_pool_goes_on() {
        let pool = pool(1);
        let failed = on_pool(&pool, || -> u32 { panic!("job {} failed", 7) }).await;
        assert!(
            matches!(&failed, Err(PoolError::Panicked(message)) if message == "job 7 failed"),
            "{failed:?}"
        );
        assert_eq!(on_pool(&pool, || 6 * 7).await.unwrap(), 42);
    }

    #[tokio::test]
    async fn zero_and_huge_inputs_give_a_clear_answer() {
        let pool = pool(1);
        assert_eq!(count_primes(&pool, 0).await.unwrap(), 0);
        assert_eq!(count_primes(&pool, 1).await.unwrap(), 0);
        assert_eq!(count_primes(&pool, 3).await.unwrap(), 1);
        let refused = count_primes(&pool, MAX_LIMIT + 1).await.unwrap_err();
        assert_eq!(
            refused.to_string(),
            "10000001 is above the 10000000 this counts up to"
        );
    }

    /// A job that has started runs to its end when its caller is dropped,
    /// holding no waker meanwhile; then its closure is gone, and with it
    /// every sender it held.
    #[test]
    fn a_dropped_caller_leaves_nothing_running_past_its_job() {
        struct Waiting;
        impl Wake for Waiting {
            fn wake(self: Arc<Self>) {}
        }
        let waiting = Arc::new(Waiting);
        let waker = Waker::from(waiting.clone());
        let (started, has_started) = mpsc::channel();
        let (release, gate) = mpsc::channel::<()>();
        let (ended, has_ended) = mpsc::channel();
        let pool = pool(1);
        let mut caller = Box::pin(on_pool(&pool, move || {
            let _ = started.send(());
            let _ = gate.recv();
            let _ = ended.send(());
        }));
        let polled = caller.as_mut().poll(&mut Context::from_waker(&waker));
        assert!(polled.is_pending());
        has_started.recv().unwrap();
        drop(caller);
        // `waiting` and `waker`, and no clone the job holds.
        assert_eq!(Arc::strong_count(&waiting), 2);
        release.send(()).unwrap();
        has_ended.recv().unwrap();
        // Every sender gone: the closure has been dropped, nothing holds it.
        assert!(has_ended.recv().is_err());
    }

    /// A job whose caller is dropped while it waits for a pool thread is
    /// skipped: the pool's one thread is held until the caller is gone.
    #[test]
    fn a_job_whose_caller_is_gone_before_it_starts_is_skipped() {
        let pool = pool(1);
        let (release, gate) = mpsc::channel::<()>();
        let (holding, is_holding) = mpsc::channel();
        pool.spawn(move || {
            let _ = holding.send(());
            let _ = gate.recv();
        });
        is_holding.recv().unwrap();
        let (ran, has_run) = mpsc::channel();
        let mut caller = Box::pin(on_pool(&pool, move || {
            let _ = ran.send(());
        }));
        let waker = Waker::noop();
        assert!(
            caller
                .as_mut()
                .poll(&mut Context::from_waker(waker))
                .is_pending()
        );
        drop(caller);
        release.send(()).unwrap();
        // The job's closure dropped, unrun: its sender gone, nothing sent.
        assert_eq!(has_run.recv(), Err(mpsc::RecvError));
    }
}
