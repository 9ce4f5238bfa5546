//! Fan-out where the first error cancels the rest: every job runs as a task
//! of its own, the results come back in the jobs' order, and one failure
//! stops the jobs still running before the error is returned.
//!
//! This is `asyncio.TaskGroup`, whose first exception cancels the others
//! (`gather` leaves them running). `all_or_first_error` spawns each job into
//! a `JoinSet`, tagged with its index; the first error or panic ends the loop.
//! A Tokio task can't catch its cancellation: it is dropped at its `.await`
//! (the book's page "Cancellation"). Jobs that only wait on I/O and borrow
//! from the caller need no tasks: `try_join_all` drops the rest on an error.
//!
//! What not to undo when you copy it:
//! - `shutdown().await` before returning the error: dropping a `JoinSet`
//!   aborts its tasks without waiting for them.
//! - A panic is an error like any other, seen by `join_next()`.
//! - The tasks live in the `JoinSet`, so any end of this function aborts them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep};

/// Runs every job as a task; their results in the jobs' order, or the first
/// error once the other tasks have been cancelled and have ended.
pub async fn all_or_first_error<T, F>(jobs: impl IntoIterator<Item = F>) -> anyhow::Result<Vec<T>>
where
    F: Future<Output = anyhow::Result<T>> + Send + 'static,
    T: Send + 'static,
{
    let mut tasks = JoinSet::new();
    for (index, job) in jobs.into_iter().enumerate() {
        tasks.spawn(async move { (index, job.await) });
    }
    let mut results: Vec<Option<T>> = std::iter::repeat_with(|| None).take(tasks.len()).collect();
    while let Some(joined) = tasks.join_next().await {
        let error = match joined {
            Ok((index, Ok(value))) => {
                results[index] = Some(value);
                continue;
            }
            Ok((index, Err(error))) => error.context(format!("job {index} failed")),
            Err(join_error) => anyhow::Error::new(join_error).context("a job panicked"),
        };
        tasks.shutdown().await;
        return Err(error);
    }
    results
        .into_iter()
        .collect::<Option<Vec<T>>>()
        .context("a job ended without a result")
}

pub async fn run() -> anyhow::Result<()> {
    let cancelled = Arc::new(Mutex::new(Vec::new()));

    // Every job succeeds: the results come back in the jobs' order, though
    // the last job finishes first.
    let start = Instant::now();
    let jobs =
        SHARDS.map(|(name, seconds)| fetch(name, seconds, None, start, Arc::clone(&cancelled)));
    let shards = all_or_first_error(jobs).await?;
    println!(
        "all done at {:.1}s: {shards:?}",
        start.elapsed().as_secs_f64()
    );

    // Shard c fails: a and b, still running, are cancelled.
    let start = Instant::now();
    let jobs = SHARDS
        .map(|(name, seconds)| fetch(name, seconds, Some("c"), start, Arc::clone(&cancelled)));
    match all_or_first_error(jobs).await {
        Ok(shards) => anyhow::bail!("shard c was meant to fail, but all succeeded: {shards:?}"),
        Err(error) => println!("failed at {:.1}s: {error:#}", start.elapsed().as_secs_f64()),
    }
    // Each cancelled job's guard has run by now: `shutdown` waited for it.
    // The order the tasks were dropped in is not specified, so sort.
    let mut names = cancelled
        .lock()
        .map_err(|_| anyhow::anyhow!("poisoned"))?
        .clone();
    names.sort_unstable();
    println!("cancelled while running: {}", names.join(", "));
    Ok(())
}

// What only feeds the demonstration: shards that take longer the earlier
// they come, one that fails, and a guard that notes a job dropped before
// it finished.

const SHARDS: [(&str, f64); 5] = [("a", 2.5), ("b", 2.0), ("c", 1.5), ("d", 1.0), ("e", 0.5)];

async fn fetch(
    name: &'static str,
    seconds: f64,
    failing: Option<&'static str>,
    start: Instant,
    cancelled: Arc<Mutex<Vec<&'static str>>>,
) -> anyhow::Result<&'static str> {
    let mut guard = NoteIfCancelled {
        name,
        log: cancelled,
        finished: false,
    };
    sleep(Duration::from_secs_f64(seconds)).await;
    guard.finished = true;
    if failing == Some(name) {
        anyhow::bail!("shard {name}: checksum mismatch");
    }
    println!("shard {name} done at {:.1}s", start.elapsed().as_secs_f64());
    Ok(name)
}

struct NoteIfCancelled {
    name: &'static str,
    log: Arc<Mutex<Vec<&'static str>>>,
    finished: bool,
}

impl Drop for NoteIfCancelled {
    fn drop(&mut self) {
        if !self.finished
            && let Ok(mut log) = self.log.lock()
        {
            log.push(self.name);
        }
    }
}
