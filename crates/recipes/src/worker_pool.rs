//! A pool of workers whose results come out in the order of the inputs:
//! at most three jobs run at once, each as a task of its own, and each
//! result is handed on as soon as it and every result before it are ready.
//!
//! `ordered_pool` turns the inputs into a stream of results. It takes a
//! worker's permit from a `Semaphore` for each input, one input after
//! another, so jobs start in the inputs' order; spawns the job with its
//! permit, which goes back when the job ends; and passes the tasks'
//! handles through `buffered(window)`, which yields their results in the
//! order it was given them. A job that finishes early waits in the window
//! for the ones before it, while its worker takes the next input. So at most
//! `workers` jobs run, and at most `window` results are held back, however
//! long the slowest job takes.
//!
//! In asyncio, `asyncio.Semaphore(3)` around each job and awaiting the tasks
//! in order (`for task in tasks: result = await task`) keeps the order, but
//! creates every task up front; `concurrent.futures.Executor.map` keeps it
//! too, and takes every input at once. Here the window bounds both what has
//! started and what waits.
//!
//! What not to undo when you copy it:
//! - The permit is taken before the spawn, input by input (`then`), not
//!   inside each task: tasks that raced for permits could start out of
//!   order on a multi-thread runtime.
//! - `window` larger than `workers`. `buffered` counts results that wait
//!   for an earlier one against its limit, so with a window of three, two
//!   finished jobs behind a slow one would leave two workers idle until it
//!   ends: the eight jobs of `run` would take 2.5 s instead of 1.7 s.
//! - Each task is held by an `AbortOnDropHandle`: if the stream is dropped
//!   (the consumer gives up, or is cancelled), the jobs still running are
//!   aborted rather than left to run on.
//! - A job that panics yields an error in its place, and the stream goes
//!   on.
//!
//! The jobs are spawned so that, on a multi-thread runtime (what plain
//! `#[tokio::main]` starts), they run in parallel. For jobs that only wait
//! on I/O, `stream::iter(inputs).map(job).buffered(n)` without the spawn
//! keeps the order too, all in the consumer's task.

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use futures::stream::{self, Stream, StreamExt};
use tokio::sync::Semaphore;
use tokio::time::{Instant, sleep};
use tokio_util::task::AbortOnDropHandle;

/// Runs `job` on each input, at most `workers` at a time, and yields the
/// results in the inputs' order, holding at most `window` of them back.
/// Neither can be zero: no worker, or no room for a result, would make the
/// stream wait for ever.
pub fn ordered_pool<I, F, Job>(
    inputs: I,
    workers: NonZeroUsize,
    window: NonZeroUsize,
    job: F,
) -> impl Stream<Item = anyhow::Result<Job::Output>>
where
    I: IntoIterator,
    F: Fn(I::Item) -> Job,
    Job: Future + Send + 'static,
    Job::Output: Send + 'static,
{
    let permits = Arc::new(Semaphore::new(workers.get()));
    stream::iter(inputs)
        .then(move |input| {
            let permits = Arc::clone(&permits);
            async move { (input, permits.acquire_owned().await) }
        })
        .map(move |(input, permit)| {
            let task = permit.map(|permit| {
                let job = job(input);
                AbortOnDropHandle::new(tokio::spawn(async move {
                    let output = job.await;
                    drop(permit);
                    output
                }))
            });
            async move {
                task.context("the pool's semaphore was closed")?
                    .await
                    .context("a job panicked")
            }
        })
        .buffered(window.get())
}

/// The demonstration's pool: three workers, and up to six results held
/// back for the order.
const WORKERS: NonZeroUsize = NonZeroUsize::new(3).expect("at least one worker");
const WINDOW: NonZeroUsize = NonZeroUsize::new(6).expect("room for at least one result");

pub async fn run() -> anyhow::Result<()> {
    let start = Instant::now();
    let results = ordered_pool(
        DURATIONS.iter().enumerate(),
        WORKERS,
        WINDOW,
        |(item, &seconds)| work(item, seconds, start),
    );
    // `next()` needs the stream pinned, kept at one place in memory while
    // it runs, because it holds the futures it polls; `pin!` does that here,
    // on the stack.
    let mut results = std::pin::pin!(results);
    while let Some(result) = results.next().await {
        let (item, done_at) = result?;
        println!(
            "item {item}: done at {:.1}s, handed on at {:.1}s",
            done_at.as_secs_f64(),
            start.elapsed().as_secs_f64()
        );
    }
    println!(
        "{} items in {:.1}s with {WORKERS} workers",
        DURATIONS.len(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

// What only feeds the demonstration: jobs of different lengths, the first
// the slowest, each reporting when it finished.

const DURATIONS: [f64; 8] = [1.2, 0.3, 0.2, 0.8, 0.4, 0.2, 0.5, 0.3];

async fn work(item: usize, seconds: f64, start: Instant) -> (usize, Duration) {
    sleep(Duration::from_secs_f64(seconds)).await;
    (item, start.elapsed())
}
