//! The pitfall of stream concurrency: futures in `buffered` only make
//! progress while the stream is polled, so a slow loop body stalls them;
//! spawned tasks keep running.
//!
//! An asyncio task runs on its own: once created, the event loop advances it
//! whatever its creator is doing. The futures inside `buffered(n)` are not
//! tasks. They live inside the stream, which spawns nothing, so nothing
//! polls them but the stream's own `poll_next` (`futures` says as much of
//! its `FuturesOrdered` and `FuturesUnordered`: they poll their futures only
//! when they are polled themselves, and then only the ones that were woken).
//! That happens only while the consumer waits in `.next().await`. While the
//! loop body awaits something else (here, saving each result for a second),
//! nothing polls them: a job whose step is over can't run its next line,
//! and `buffered` can't pull a new item into a free slot, since it pulls
//! only inside its own `poll_next` too.
//!
//! Each job below has two steps, "connect" (0.5 s) and "download" (0.5, 1.1
//! or 1.7 s), and notes the time whenever its own code runs. With plain
//! futures, job 1's download is over at 1.6 s, but its code runs again only
//! at 2.0 s, when the loop asks for the next result; job 2's is over at
//! 2.2 s and runs at 3.0 s. With `tokio::spawn` inside the `map`, each job is
//! a task that the runtime advances on its own, and `buffered` merely waits
//! for the `JoinHandle`s: the jobs finish at 1.0, 1.6 and 2.2 s. Both runs
//! take four seconds, because the saves come one after another either way;
//! what changes is when each job's own code runs.
//!
//! The numbers are chosen so that the output rests only on what `futures`
//! and Tokio document. Each download ends while the loop is saving the
//! previous result, so at each request exactly one job has been woken: in
//! which order one call of `poll_next` polls several woken futures, and
//! whether it polls them all before it returns a result, is not documented.
//! And there are as many jobs as slots: a job pulled into a slot freed
//! later would first be polled at some later call of `poll_next`, and which
//! call is not documented either.
//!
//! Tasks or not, new items are pulled only while the stream is polled, so
//! the other fixes are worth knowing too: keep the loop body short (hand
//! results to another task over a channel), or use `for_each_concurrent`,
//! whose closure runs concurrently with the next items.
//!
//! The price of spawning is that a task must be `'static` and `Send`, so it
//! can't borrow from the caller, and it keeps running if the stream is
//! dropped, unless it is aborted (a `JoinSet` aborts its tasks when dropped).
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Async Streaming" (its `create_task` per
//!   item, against the futures of `stream_batches`)

use std::pin::pin;
use std::time::Duration;

use futures::StreamExt;
use futures::stream;
use tokio::task::JoinError;
use tokio::time::{Instant, sleep};

const JOBS: u32 = 3;
/// As many slots as jobs: see the header.
const CONCURRENCY: usize = JOBS as usize;

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
