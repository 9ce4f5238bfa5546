//! A job that runs once a second until it is told to stop: each run with a
//! time limit, a failed run reported without ending the loop, and a late run
//! followed by a full period rather than a burst of catching up.
//!
//! In asyncio: `while True:` around `await job()` and `asyncio.sleep(period)`,
//! which drifts by each run's length, stopped by `task.cancel()`, which cuts a
//! run short. Here a `tokio::time::interval` keeps the schedule, the token is
//! checked between runs, and each run is under `timeout`.
//!
//! What not to undo when you copy it:
//! - `MissedTickBehavior::Delay`: after a late run, the next waits a full
//!   period (`Burst`, the default, would fire every missed tick at once).
//! - `biased;`: when the stop and a tick are both ready, the stop wins.
//! - The time limit on each run: one run that never ends would stop the
//!   schedule, and the stop with it.
//! - The `AbortOnDropHandle`: a cancelled `run` stops the job.

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
    // A slow backend is not called more often for being slow.
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
// never finishes (its limit ends it at 3.5 s, so run 3 starts then and run 4
// at 4.5 s), run 4 fails, and run 5 takes 1.5 s. The stop at 6.5 s
// falls inside run 5 even when a busy machine starts it up to a second
// late (with `Delay`, each run's lateness carries into the next), so on
// the real clock only the times move, never the lines.

const RUN_FOR: Duration = Duration::from_millis(6500);

async fn job(run: u32) -> anyhow::Result<()> {
    match run {
        2 => std::future::pending().await,
        4 => {
            sleep(Duration::from_millis(200)).await;
            anyhow::bail!("the backend said no")
        }
        5 => {
            sleep(Duration::from_millis(1500)).await;
            Ok(())
        }
        _ => {
            sleep(Duration::from_millis(200)).await;
            Ok(())
        }
    }
}
