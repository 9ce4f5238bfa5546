//! `bench cpu-bound-<way> multi-thread`: 100 jobs of CPU work, all started
//! at once one way, while a task that sleeps 10 ms in a loop notes how late
//! each wake-up came. Prints one line,
//! `elapsed_ns=.. worst_lag_ns=.. threads=.. job_ns=..`: all 100 jobs' time,
//! the heartbeat's worst lateness, the most threads the process had, and how
//! long one job took alone before the runtime started. Not against Python:
//! the question is where a Tokio program puts CPU work
//! (docs/topics/blocking-work.md).

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::{Semaphore, oneshot};
use tokio::time::{Instant, sleep_until};

use crate::{Result, check};

/// The learner's numbers came from 100 jobs of about 50 ms each, on a
/// multi-thread runtime of 2 workers.
const JOBS: u64 = 100;
const WORKERS: usize = 2;
/// Primes below this, by trial division: about 50 ms on the 2-core machine
/// the saved table names (its heading gives what one job took there).
const JOB_LIMIT: u64 = 550_000;
const BEAT: Duration = Duration::from_millis(10);

/// Where a job runs.
#[derive(Clone, Copy)]
enum Way {
    /// In its task, on a runtime worker.
    Inline,
    /// `spawn_blocking`, as many at once as there are jobs.
    SpawnBlocking,
    /// `block_in_place` in its task.
    BlockInPlace,
    /// `spawn_blocking` behind a `Semaphore` of one permit per CPU.
    Semaphore,
    /// `rayon::spawn`, the result sent back on a `oneshot`.
    Rayon,
}

impl Way {
    fn parse(name: &str) -> Option<Way> {
        Some(match name {
            "inline" => Way::Inline,
            "spawn-blocking" => Way::SpawnBlocking,
            "block-in-place" => Way::BlockInPlace,
            "semaphore" => Way::Semaphore,
            "rayon" => Way::Rayon,
            _ => return None,
        })
    }
}

/// What one run measured.
pub struct Measured {
    elapsed: Duration,
    worst_lag: Duration,
    threads: u64,
    job: Duration,
}

impl Measured {
    /// The line `cargo xtask bench cpu-bound` reads.
    pub fn line(&self) -> String {
        format!(
            "elapsed_ns={} worst_lag_ns={} threads={} job_ns={}",
            self.elapsed.as_nanos(),
            self.worst_lag.as_nanos(),
            self.threads,
            self.job.as_nanos()
        )
    }
}

/// Runs the 100 jobs `way` (`inline`, `spawn-blocking`, ...) on a
/// multi-thread runtime of 2 workers.
pub fn run(way: &str) -> Result<Measured> {
    let way = Way::parse(way).ok_or_else(|| format!("unknown way `{way}`"))?;
    let start = std::time::Instant::now();
    let primes = count_primes(black_box(JOB_LIMIT));
    let job = start.elapsed();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .build()?;
    let mut measured = runtime.block_on(all_jobs(way, primes))?;
    measured.job = job;
    Ok(measured)
}

async fn all_jobs(way: Way, primes: u64) -> Result<Measured> {
    let done = Arc::new(AtomicBool::new(false));
    let heartbeat = tokio::spawn(heartbeat(done.clone()));
    let cpus = std::thread::available_parallelism()?.get();
    let permits = Arc::new(Semaphore::new(cpus));
    let start = Instant::now();
    let jobs: Vec<_> = (0..JOBS)
        .map(|_| tokio::spawn(one_job(way, permits.clone())))
        .collect();
    let mut total = 0;
    for job in jobs {
        total += job.await??;
    }
    let elapsed = start.elapsed();
    let threads = threads_now();
    done.store(true, Ordering::Relaxed);
    let (worst_lag, most_threads) = heartbeat.await?;
    check(total == JOBS * primes, "cpu-bound: a job counted wrong")?;
    Ok(Measured {
        elapsed,
        worst_lag,
        threads: threads.max(most_threads),
        job: Duration::ZERO,
    })
}

async fn one_job(way: Way, permits: Arc<Semaphore>) -> Result<u64> {
    let job = || count_primes(black_box(JOB_LIMIT));
    Ok(match way {
        Way::Inline => job(),
        Way::SpawnBlocking => tokio::task::spawn_blocking(job).await?,
        Way::BlockInPlace => tokio::task::block_in_place(job),
        Way::Semaphore => {
            let _permit = permits.acquire().await?;
            tokio::task::spawn_blocking(job).await?
        }
        Way::Rayon => {
            let (sender, result) = oneshot::channel();
            rayon::spawn(move || {
                // The receiver is awaited below, unless this task is gone.
                let _ = sender.send(job());
            });
            result.await?
        }
    })
}

/// Sleeps 10 ms at a time until `done`, noting how late each wake-up came
/// and the most threads the process had; returns both.
async fn heartbeat(done: Arc<AtomicBool>) -> (Duration, u64) {
    let mut worst = Duration::ZERO;
    let mut threads = 0;
    while !done.load(Ordering::Relaxed) {
        let due = Instant::now() + BEAT;
        sleep_until(due).await;
        worst = worst.max(due.elapsed());
        threads = threads.max(threads_now());
    }
    (worst, threads)
}

/// The primes below `limit`, by trial division.
fn count_primes(limit: u64) -> u64 {
    let is_prime = |n: &u64| {
        (2..)
            .take_while(|d| d * d <= *n)
            .all(|d| !n.is_multiple_of(d))
    };
    (2..limit).filter(is_prime).count() as u64
}

/// The process's threads now, from Linux's `/proc/self/status`; 0 elsewhere.
fn threads_now() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|line| line.starts_with("Threads:"))?;
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}
