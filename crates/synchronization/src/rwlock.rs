//! `RwLock`: any number of readers at once, or one writer alone. asyncio has
//! no read-write lock; Tokio's is fair, so readers cannot starve a writer.
//!
//! R1 and R2 read from 0 s and 0.1 s for a second; the writer asks at 0.5 s
//! and waits for both. R3, asking at 0.6 s, queues behind the writer although
//! only readers hold the lock, because requests are served in the order made,
//! and so sees the writer's update.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::RwLock;
use tokio::task::{JoinError, JoinSet};
use tokio::time::{Instant, sleep};

struct Shared {
    config: RwLock<u32>,
    active_readers: AtomicUsize,
    start: Instant,
}

async fn reader(name: &str, arrive_after: Duration, shared: Arc<Shared>) {
    sleep(arrive_after).await;
    shared.log(&format!("{name} asks to read"));
    let config = shared.config.read().await;
    // Dropped before `config`, so the count goes down while the lock is held.
    let reading = Reading::start(&shared.active_readers);
    shared.log(&format!("{name} reads version {}", *config));
    sleep(Duration::from_secs(1)).await;
    drop(reading);
    shared.log(&format!("{name} done"));
}

async fn writer(arrive_after: Duration, shared: Arc<Shared>) {
    sleep(arrive_after).await;
    shared.log("writer asks to write");
    let mut config = shared.config.write().await;
    assert_eq!(
        shared.active_readers.load(Ordering::SeqCst),
        0,
        "the writer is not alone"
    );
    *config += 1;
    shared.log(&format!("writer updates to version {}", *config));
    sleep(Duration::from_millis(500)).await;
    shared.log("writer done");
}

pub async fn run() -> Result<(), JoinError> {
    let shared = Arc::new(Shared {
        config: RwLock::new(1),
        active_readers: AtomicUsize::new(0),
        start: Instant::now(),
    });
    let mut tasks = JoinSet::new();
    tasks.spawn(reader("R1", Duration::ZERO, shared.clone()));
    tasks.spawn(reader("R2", Duration::from_millis(100), shared.clone()));
    tasks.spawn(writer(Duration::from_millis(500), shared.clone()));
    tasks.spawn(reader("R3", Duration::from_millis(600), shared.clone()));
    while let Some(done) = tasks.join_next().await {
        done?;
    }
    Ok(())
}

// What only proves the rule and stamps the lines: a count of the readers
// inside, kept through a guard, which the writer checks is zero, and the
// timestamp on each line.

impl Shared {
    fn log(&self, message: &str) {
        println!("[{:.1}s] {message}", self.start.elapsed().as_secs_f64());
    }
}

/// Counts one active reader until dropped, so a reader cancelled in the
/// middle of its read is uncounted too.
struct Reading<'a>(&'a AtomicUsize);

impl<'a> Reading<'a> {
    fn start(active_readers: &'a AtomicUsize) -> Self {
        active_readers.fetch_add(1, Ordering::SeqCst);
        Self(active_readers)
    }
}

impl Drop for Reading<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}
