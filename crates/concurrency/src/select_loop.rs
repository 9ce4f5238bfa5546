//! `select!` in a loop: a future made in a branch starts over on every turn,
//! one pinned before the loop keeps its progress, and `biased;`, `if` and
//! `else` decide which branch runs and when the loop ends.
//!
//! Beyond the guides: asyncio writes this loop around
//! `asyncio.wait(pending, return_when=FIRST_COMPLETED)`, whose `pending`
//! tasks run on. The macro itself, part by part, is the book's page "The
//! `select!` macro"; what a loop adds is that a future pinned before it is
//! polled only while `select!` waits, never while a handler runs: a handler
//! that awaits freezes it, and a fair lock handed to it meanwhile goes to
//! no one, the handler included (`pitfalls/futurelock`). `biased;` lets the
//! shutdown branch win a tie (without it, the tick it stopped at varied from
//! run to run), and a branch always ready starves those below it.

use std::pin::pin;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep};
use tokio_util::sync::CancellationToken;

const JOB_INTERVAL: Duration = Duration::from_millis(500);
/// How long `worker_until_shutdown` works on a job.
const JOB_WORK: Duration = Duration::from_secs(1);

/// The pattern: the report is pinned before the loop and polled by `&mut`,
/// so it keeps its progress across turns. It moves only while `select!`
/// waits, which is why the job handler here does not await.
async fn worker(mut jobs: mpsc::Receiver<u32>, clock: Instant) {
    let mut build = pin!(build_report(clock));
    let mut report_done = false;
    loop {
        tokio::select! {
            Some(job) = jobs.recv() => println!("{} job {job}", stamp(clock)),
            done = &mut build, if !report_done => {
                println!("{} {done}: done", stamp(clock));
                report_done = true;
            }
            else => break,
        }
    }
    println!(
        "{} no jobs left and the report is done: `else` ends the loop",
        stamp(clock)
    );
}

/// Handles queued jobs, a second each, until told to stop.
async fn worker_until_shutdown(
    mut jobs: mpsc::Receiver<u32>,
    shutdown: CancellationToken,
    clock: Instant,
) {
    loop {
        tokio::select! {
            biased;
            () = shutdown.cancelled() => {
                println!(
                    "{} shutdown: stopping, jobs still queued: {}",
                    stamp(clock),
                    jobs.len()
                );
                break;
            }
            Some(job) = jobs.recv() => {
                println!("{} job {job}: working", stamp(clock));
                sleep(JOB_WORK).await;
            }
        }
    }
}

/// The mistake: `build_report` written in the branch is a new future on
/// every turn, so each job that arrives first throws the report away.
async fn worker_restarting(mut jobs: mpsc::Receiver<u32>, clock: Instant) {
    loop {
        let job = tokio::select! {
            Some(job) = jobs.recv() => job,
            done = build_report(clock) => {
                println!("{} {done}: done", stamp(clock));
                break;
            }
        };
        println!("{} job {job}", stamp(clock));
    }
}

pub async fn run() -> anyhow::Result<()> {
    println!("The report made inside the loop:");
    worker_restarting(job_every_interval(), Instant::now()).await;

    println!("\nThe report pinned before the loop:");
    worker(job_every_interval(), Instant::now()).await;

    println!("\nFive jobs queued, and shutdown first under `biased;`:");
    let clock = Instant::now();
    let (sender, jobs) = mpsc::channel(5);
    for job in 1..=5 {
        sender.send(job).await.context("the worker is gone")?;
    }
    let shutdown = CancellationToken::new();
    // The shutdown comes from beside the worker, in this same task, half
    // way through job 2.
    let trigger = async {
        sleep(Duration::from_millis(1500)).await;
        println!("{} shutdown requested", stamp(clock));
        shutdown.cancel();
    };
    tokio::join!(
        worker_until_shutdown(jobs, shutdown.clone(), clock),
        trigger
    );
    Ok(())
}

// The demonstration: a report that says when it is dropped, timestamps, and
// a job source.

const REPORT_TIME: Duration = Duration::from_millis(1200);

/// The report in progress, which says so if it is dropped unfinished.
struct Progress {
    started: Instant,
    clock: Instant,
    finished: bool,
}

impl Drop for Progress {
    fn drop(&mut self) {
        if !self.finished {
            println!(
                "{} report: dropped after {:.1}s of its {:.1}s",
                stamp(self.clock),
                self.started.elapsed().as_secs_f64(),
                REPORT_TIME.as_secs_f64()
            );
        }
    }
}

/// Work that takes a while and is worth nothing until it is finished.
async fn build_report(clock: Instant) -> &'static str {
    println!("{} report: started", stamp(clock));
    let mut progress = Progress {
        started: Instant::now(),
        clock,
        finished: false,
    };
    sleep(REPORT_TIME).await;
    progress.finished = true;
    "report"
}

fn stamp(clock: Instant) -> String {
    format!("[{:.1}s]", clock.elapsed().as_secs_f64())
}

/// Sends jobs 1 to 4, one every `JOB_INTERVAL`, then closes the channel by
/// dropping its only sender. It stops as soon as the receiver is dropped.
fn job_every_interval() -> mpsc::Receiver<u32> {
    let (sender, receiver) = mpsc::channel(4);
    tokio::spawn(async move {
        for job in 1..=4 {
            tokio::select! {
                () = sender.closed() => return,
                () = sleep(JOB_INTERVAL) => {}
            }
            if sender.send(job).await.is_err() {
                return;
            }
        }
    });
    receiver
}
