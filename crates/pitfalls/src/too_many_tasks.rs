//! Spawning a thousand tasks is cheap; what needs a bound is the resource
//! they share, and a semaphore bounds exactly that.
//!
//! The guide's fix for "thousands of tasks at once" is batches of a hundred,
//! each awaited before the next. Tokio's docs call tasks light weight:
//! "creating, running, and destroying large numbers of tasks is quite cheap,
//! especially compared to OS threads", and a batch waits for its slowest
//! member. Here each task holds a permit only while it uses a connection.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Avoiding Common Mistakes" (pitfall 4, creating too many tasks)

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{AcquireError, Semaphore};
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep};

const TASKS: usize = 1_000;
const BATCH_SIZE: usize = 100;
const CONNECTIONS: usize = 10;
const QUERIES: usize = 100;

async fn small_operation() -> &'static str {
    sleep(Duration::from_millis(100)).await;
    "done"
}

/// The guide's `too_many_tasks_bad`, which is fine in Rust. `join_all`
/// re-raises a task's panic, as `gather` re-raises an exception, and also
/// aborts the tasks still running, which `gather` does not.
async fn spawn_all() -> Vec<&'static str> {
    let tasks: JoinSet<_> = (0..TASKS).map(|_| small_operation()).collect();
    tasks.join_all().await
}

/// The guide's `too_many_tasks_good`.
async fn in_batches(items: &[usize]) -> Vec<&'static str> {
    let mut results = Vec::with_capacity(items.len());
    for batch in items.chunks(BATCH_SIZE) {
        let batch: JoinSet<_> = batch.iter().map(|_| small_operation()).collect();
        results.extend(batch.join_all().await);
    }
    results
}

/// A database that allows `CONNECTIONS` connections at once: a query holds
/// a permit for as long as it runs.
struct Database {
    connections: Semaphore,
    /// Only for the demonstration, which checks the bound.
    in_use: InUseCount,
}

impl Database {
    async fn query(&self) -> Result<&'static str, AcquireError> {
        let _connection = self.connections.acquire().await?;
        let _counted = self.in_use.enter();
        sleep(Duration::from_millis(100)).await; // the query itself
        Ok("row")
    }
}

pub async fn run() -> Result<(), AcquireError> {
    let start = Instant::now();
    let results = spawn_all().await;
    println!(
        "{} tasks spawned at once: {} done in {}",
        TASKS,
        results.len(),
        seconds(start)
    );

    let start = Instant::now();
    let items: Vec<usize> = (0..TASKS).collect();
    let results = in_batches(&items).await;
    println!(
        "{} tasks in batches of {BATCH_SIZE}: {} done in {}",
        TASKS,
        results.len(),
        seconds(start)
    );

    let database = Arc::new(Database {
        connections: Semaphore::new(CONNECTIONS),
        in_use: InUseCount::default(),
    });
    let start = Instant::now();
    let mut tasks = JoinSet::new();
    for _ in 0..QUERIES {
        let database = Arc::clone(&database);
        tasks.spawn(async move { database.query().await });
    }
    let rows = tasks
        .join_all()
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    let peak = database.in_use.peak();
    assert!(peak <= CONNECTIONS, "{peak} connections in use at once");
    assert_eq!(rows.len(), QUERIES);
    println!(
        "{QUERIES} tasks sharing {CONNECTIONS} connections: {} rows in {}, \
         never more than {CONNECTIONS} connections in use",
        rows.len(),
        seconds(start)
    );
    Ok(())
}

// What only proves the bound and feeds the printout.

/// The connections in use now, and the most there ever were.
#[derive(Default)]
struct InUseCount {
    now: AtomicUsize,
    peak: AtomicUsize,
}

impl InUseCount {
    fn enter(&self) -> InUse<'_> {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        InUse(self)
    }

    fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }
}

/// Counts a connection in use for as long as it lives, so a query that is
/// cancelled is uncounted too.
struct InUse<'a>(&'a InUseCount);

impl Drop for InUse<'_> {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The time since `start` in tenths of a second, rounded down. On the real
/// clock a timer fires late, never early, and the lateness adds up over
/// sequential waits; rounding down prints the time the schedule gives as
/// long as that lateness stays under 0.1 s. On the paused clock the time is
/// exact.
fn seconds(start: Instant) -> String {
    let tenths = start.elapsed().as_millis() / 100;
    format!("{}.{}s", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_last_batch_may_be_smaller() {
        let items: Vec<usize> = (0..BATCH_SIZE + BATCH_SIZE / 2).collect();
        assert_eq!(in_batches(&items).await.len(), items.len());
    }
}
