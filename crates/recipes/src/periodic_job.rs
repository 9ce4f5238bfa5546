//! A job that runs once a second until it is told to stop: each run with a
//! time limit, a failed run reported without ending the loop, and a late
//! run followed by a full period rather than a burst of catching up.
//!
//! `run_periodically` waits for the next tick of a `tokio::time::interval`
//! or for the stop, whichever comes first, then runs the job under
//! `timeout`. The first tick is immediate, so the job runs at once, then
//! once per period. A stop that comes during a run lets that run finish;
//! the loop sees it before the next one.
//!
//! In asyncio this is a task running `while True:` around `await job()`
//! and `await asyncio.sleep(period)`, stopped with `task.cancel()`, or with
//! an `asyncio.Event` checked by the loop. Sleeping for the period after
//! each run makes every period as long as the run plus the sleep, so the
//! schedule drifts; an interval keeps it. And `task.cancel()` interrupts a
//! run at whatever `await` it has reached, where the token here is only
//! checked between runs.
//!
//! What not to undo when you copy it:
//! - `MissedTickBehavior::Delay`. A run that outlasts the period misses
//!   ticks. With the default, `Burst`, the interval would then fire every
//!   missed tick at once, and the job would run back to back to catch up.
//!   `Skip` keeps the ticks on the original grid (0 s, 1 s, 2 s...), which
//!   suits work that must line up with the clock, but it can start a run
//!   soon after a late one. `Delay` runs a late job at once and the next
//!   one a full period later, so runs don't start closer together than the
//!   period (Tokio counts a tick up to 5 ms late as on time): a slow
//!   backend is not called more often because it was slow.
//!   In `run`, run 2 hangs until its limit, at 3.5 s, so run 3 starts then
//!   and run 4 at 4.5 s; with `Burst` run 4 would start at 3.7 s, as soon
//!   as run 3 ended, and with `Skip` at 4.0 s.
//! - `biased;` in the `select!`: when the stop and a tick are both ready,
//!   the stop wins, instead of a branch chosen at random.
//! - The time limit on each run: without it, one run that never ends stops
//!   the schedule for good, and the stop with it.
//! - The task is held by an `AbortOnDropHandle`, so if `run` is cancelled
//!   the job does not run on for ever.

use std::time::Duration;

use tokio::time::{Instant, MissedTickBehavior, interval, sleep, timeout};
use tokio_util::sync::CancellationToken;
use tokio_util::task::AbortOnDropHandle;

const PERIOD: Duration = Duration::from_secs(1);
/// The longest one run may take.
const RUN_LIMIT: Duration = Duration::from_millis(2500);

/// Runs `job` every `PERIOD` until `stop` is cancelled; returns how many
/// runs it started.
async fn run_periodically(stop: CancellationToken, start: Instant) -> u32 {
    let mut ticks = interval(PERIOD);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut runs = 0;
    loop {
        tokio::select! {
            biased;
            () = stop.cancelled() => break,
            _ = ticks.tick() => {}
        }
        runs += 1;
        let began = Instant::now();
        let at = began.duration_since(start).as_secs_f64();
        match timeout(RUN_LIMIT, job(runs)).await {
            Ok(Ok(())) => println!(
                "run {runs} at {at:.1}s: done in {:.1}s",
                began.elapsed().as_secs_f64()
            ),
            Ok(Err(error)) => println!("run {runs} at {at:.1}s: failed: {error:#}"),
            Err(_elapsed) => println!("run {runs} at {at:.1}s: no result within {RUN_LIMIT:?}"),
        }
    }
    runs
}

pub async fn run() -> anyhow::Result<()> {
    let start = Instant::now();
    let stop = CancellationToken::new();
    let job = AbortOnDropHandle::new(tokio::spawn(run_periodically(stop.clone(), start)));

    // In a service, the stop comes from Ctrl-C or a shutdown request; here,
    // after a while, in the middle of run 5.
    sleep(RUN_FOR).await;
    println!("stop requested at {:.1}s", start.elapsed().as_secs_f64());
    stop.cancel();

    let runs = job.await?;
    println!(
        "stopped at {:.1}s after {runs} runs",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

// What only feeds the demonstration: the job usually takes 0.2 s; run 2
// never finishes, and run 4 fails.

const RUN_FOR: Duration = Duration::from_millis(5600);

async fn job(run: u32) -> anyhow::Result<()> {
    match run {
        2 => std::future::pending().await,
        4 => {
            sleep(Duration::from_millis(200)).await;
            anyhow::bail!("the backend said no")
        }
        _ => {
            sleep(Duration::from_millis(200)).await;
            Ok(())
        }
    }
}
