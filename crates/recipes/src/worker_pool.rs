//! A pool of workers whose results come out in the order of the inputs: at
//! most three jobs run at once, each as a task, and each result is handed on
//! once it and every result before it are ready.
//!
//! In asyncio, a `Semaphore(3)` around each job and awaiting the tasks in
//! order keeps the order, but makes every task up front. Here `ordered_pool`
//! spawns each job with a worker's permit, taken input by input, and passes
//! the handles through `buffered(window)`, which yields in the order given.
//! Jobs that only wait on I/O need no spawn:
//! `stream::iter(inputs).map(job).buffered(n)`.
//!
//! What not to undo when you copy it:
//! - The permit taken before the spawn, input by input, so jobs start in
//!   order on a multi-thread runtime too.
//! - `window` larger than `workers`: results waiting behind a slow one count
//!   against `buffered`'s limit.
//! - `AbortOnDropHandle`s: a dropped stream aborts the jobs still running.
//! - A job that panics yields an error in its place.

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
    // A Tokio semaphore holds at most `MAX_PERMITS` (2^61 - 1 on 64 bits)
    // and panics past it; so many workers is no limit.
    let permits = Arc::new(Semaphore::new(workers.get().min(Semaphore::MAX_PERMITS)));
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
/// back for the order. (With a window of three, the results waiting behind
/// the slow first job would fill it, and `run` would take 2.5 s, not 1.7.)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn more_workers_than_a_semaphore_holds_is_no_panic() {
        let pool = ordered_pool(
            [1, 2],
            NonZeroUsize::MAX,
            NonZeroUsize::MIN,
            |n| async move { n * 10 },
        );
        let results: Vec<_> = pool.map(Result::unwrap).collect().await;
        assert_eq!(results, [10, 20]);
    }

    /// The stream polled once, then neither polled again nor dropped, as a
    /// consumer that stalls leaves it: the jobs it started run to their end
    /// in their tasks.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_stalls_no_job_it_started() {
        let (done, mut finished) = tokio::sync::mpsc::unbounded_channel();
        let pool = ordered_pool(0..5, WORKERS, WINDOW, |n| {
            let done = done.clone();
            async move {
                sleep(Duration::from_millis(100)).await;
                let _ = done.send(n);
            }
        });
        let mut held = std::pin::pin!(pool);
        assert!(futures::poll!(held.next()).is_pending());
        let mut started = Vec::new();
        for _ in 0..WORKERS.get() {
            let job = tokio::time::timeout(Duration::from_secs(1), finished.recv()).await;
            started.push(job.expect("a started job waits for ever"));
        }
        started.sort();
        assert_eq!(started, [Some(0), Some(1), Some(2)]);
    }
}
