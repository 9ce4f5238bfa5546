//! Futures in `buffered` progress only while the stream is polled, so a slow
//! loop body stalls them; spawned tasks run on.
//!
//! An asyncio task runs on its own; the futures inside `buffered(n)` are not
//! tasks: only the stream's `poll_next` polls them, while the consumer waits
//! in `.next().await`. So a download that ended during the loop's one-second
//! save runs on only at the next `next()`; spawned, the jobs finish on their
//! own schedule.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Async Streaming" (its `create_task` per item, against `stream_batches`)

use std::pin::pin;
use std::time::Duration;

use futures::StreamExt;
use futures::stream;
use tokio::task::JoinError;
use tokio::time::{Instant, sleep};

const JOBS: u32 = 3;
/// As many slots as jobs: every job starts at once, so the two runs differ
/// only in when the jobs' code is polled.
const CONCURRENCY: usize = JOBS as usize;

/// When each step of a job (connect, then download) happened, in seconds
/// since the start.
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
    sleep(Duration::from_millis(500 + 600 * u64::from(id))).await;
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
            // A spawned job must be `'static` and `Send`, and runs on if the
            // stream is dropped, unless aborted.
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
