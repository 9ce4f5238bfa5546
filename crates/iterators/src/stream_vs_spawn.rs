//! The pitfall of stream concurrency: futures in `buffered` only make
//! progress while the stream is polled, so a slow loop body stalls them;
//! spawned tasks keep running.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Async Streaming" (its `create_task` per
//!   item, against the futures of `stream_batches`)
//!
//! An asyncio task runs on its own: once created, the event loop advances it
//! whatever its creator is doing. The futures inside `buffered(n)` are not
//! tasks. They live inside the stream, and the stream polls them only when
//! it is polled itself, which happens only while the consumer waits in
//! `.next().await`. While the loop body awaits something else (here, saving
//! each result for a second), nothing polls them: a job whose step is over
//! can't run its next line, and a free slot is not refilled.
//!
//! Each job below has two steps, "connect" (0.5 s) and "download" (0.5, 0.6
//! or 0.7 s), and notes the time whenever its own code runs. With plain
//! futures, job 1's download is over at 1.1 s, but its code runs again only
//! at 2.0 s, when the loop asks for it; jobs 3 to 5 start only at 4.0 s. (The
//! downloads differ so that no two jobs finish at the same instant: Tokio
//! documents no order for timers due then, and which finished job the stream
//! polls first would depend on it.) With `tokio::spawn`
//! inside the `map`, each job is a task that the runtime advances on its
//! own, and `buffered` merely waits for the `JoinHandle`s (still at most
//! three at once). New jobs still start only when the stream is polled, so
//! the other fixes are worth knowing too: keep the loop body short (hand
//! results to another task over a channel), or use `for_each_concurrent`,
//! whose closure runs concurrently with the next items.
//!
//! The price of spawning is that a task must be `'static` and `Send`, so it
//! can't borrow from the caller, and it keeps running if the stream is
//! dropped, unless it is aborted (a `JoinSet` aborts its tasks when dropped).

use std::pin::pin;
use std::time::Duration;

use futures::StreamExt;
use futures::stream;
use tokio::task::JoinError;
use tokio::time::{Instant, sleep};

const JOBS: u32 = 6;
const CONCURRENCY: usize = 3;

/// When each step of a job happened, in seconds since the start.
struct Timeline {
    id: u32,
    started: f64,
    connected: f64,
    finished: f64,
}

async fn job(id: u32, start: Instant) -> Timeline {
    let started = start.elapsed().as_secs_f64();
    sleep(Duration::from_millis(500)).await;
    let connected = start.elapsed().as_secs_f64();
    sleep(Duration::from_millis(500 + 100 * u64::from(id % 3))).await;
    Timeline {
        id,
        started,
        connected,
        finished: start.elapsed().as_secs_f64(),
    }
}

async fn save(_timeline: &Timeline) {
    sleep(Duration::from_secs(1)).await;
}

fn report(label: &str, start: Instant, timelines: &[Timeline]) {
    println!("{label}: {:.1}s in all", start.elapsed().as_secs_f64());
    for t in timelines {
        println!(
            "  job {}: started {:.1}s, connected {:.1}s, finished {:.1}s",
            t.id, t.started, t.connected, t.finished
        );
    }
}

pub async fn run() -> Result<(), JoinError> {
    let start = Instant::now();
    let mut results = pin!(
        stream::iter(0..JOBS)
            .map(|id| job(id, start))
            .buffered(CONCURRENCY)
    );
    let mut timelines = Vec::new();
    while let Some(timeline) = results.next().await {
        save(&timeline).await;
        timelines.push(timeline);
    }
    report("Futures in buffered()", start, &timelines);

    println!();
    let start = Instant::now();
    let mut results = pin!(
        stream::iter(0..JOBS)
            .map(|id| tokio::spawn(job(id, start)))
            .buffered(CONCURRENCY)
    );
    let mut timelines = Vec::new();
    while let Some(timeline) = results.next().await {
        let timeline = timeline?;
        save(&timeline).await;
        timelines.push(timeline);
    }
    report("Spawned tasks in buffered()", start, &timelines);
    Ok(())
}
