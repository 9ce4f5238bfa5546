//! `select!` in a loop: a future made in a branch starts over on every turn,
//! one pinned before the loop keeps its progress, and `biased;`, `if` and
//! `else` decide which branch runs and when the loop ends.
//!
//! Beyond the guides: the asyncio counterpart is a loop around
//! `asyncio.wait(pending, return_when=FIRST_COMPLETED)` that carries the
//! `pending` set into the next turn.
//!
//! In asyncio that loop waits on tasks, and what has not finished stays in
//! `pending`, still running. `select!` waits on futures, and a future is not
//! a task: nothing drives it but whoever polls it. `select!` owns the futures
//! written in its branches, and when one branch wins it returns one value and
//! drops the others, which is how they are cancelled: half done, with no one
//! left to poll them, there is nothing else to do with them. So a future
//! written inside the loop is a new one on every turn. In the first run each
//! job that arrives throws the report's progress away, and the 1.2 s report
//! finishes only once the jobs stop.
//!
//! A future whose progress must survive the turns is made once, before the
//! loop, and each turn polls it through `&mut`: `select!` then owns only the
//! reference, and dropping a reference drops nothing. Polling through a
//! reference needs the future to be `Unpin`, which an `async fn`'s future is
//! not, hence `pin!`. A `sleep` pinned before the loop is a deadline for the
//! whole loop in the same way; a `sleep` written in a branch starts again on
//! every turn, which makes it an idle timeout.
//!
//! A finished future must not be polled again (an `async fn`'s future panics:
//! "`async fn` resumed after completion"), so the report's branch has a
//! precondition, `if !report_done`. A branch whose precondition is false
//! is disabled for that call of `select!`: its expression is still evaluated
//! (here it only takes `&mut`), but its future is not polled. A branch is
//! also disabled when its value does not match its pattern:
//! `Some(job) = jobs.recv()` once `recv` returns `None` because every sender
//! is gone. When every branch is disabled, `select!` evaluates its `else`
//! branch, and without one it panics; here `else` is how the second run's
//! loop ends, with no jobs left and the report done.
//!
//! Without `biased;`, `select!` starts polling at a randomly chosen branch,
//! for fairness in loops, so when several branches are ready at once which
//! one runs is random. `biased;` polls them top to bottom. In the third run
//! the shutdown and the queued jobs are ready together at 1.5 s, and shutdown
//! is on top, so the worker stops when asked; without `biased;`, runs of this
//! example stopped at 1.5 s, 2.0 s or 2.5 s. Tokio's docs add the cost: with
//! `biased;`, fairness is yours to ensure, since a branch that is always
//! ready starves every branch below it.

use std::pin::pin;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep};
use tokio_util::sync::CancellationToken;
use tokio_util::task::AbortOnDropHandle;

const JOB_INTERVAL: Duration = Duration::from_millis(500);

/// The pattern: the report is pinned before the loop and polled by `&mut`,
/// so it runs on across turns while jobs are handled as they come.
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

/// Handles queued jobs, half a second each, until told to stop.
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
                sleep(JOB_INTERVAL).await;
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
    let trigger = shutdown.clone();
    // Aborted when dropped, with a cancelled `run`.
    let _trigger = AbortOnDropHandle::new(tokio::spawn(async move {
        sleep(Duration::from_millis(1200)).await;
        println!("{} shutdown requested", stamp(clock));
        trigger.cancel();
    }));
    worker_until_shutdown(jobs, shutdown, clock).await;
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
