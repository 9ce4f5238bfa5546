//! Background services on interval loops, a health check and a metrics
//! collector, stopped gracefully after a fixed run time or on Ctrl-C,
//! whichever comes first.
//!
//! The guide's base class with `start`, `stop` and an overridable `_work`
//! becomes a `Service` trait and one generic loop, `run_service`. The loop
//! uses `tokio::time::interval`, which ticks at a fixed rate; the guide
//! sleeps for the interval after each piece of work, so its ticks drift by
//! the length of the work. Work that outlasts the interval misses ticks,
//! and by default (`MissedTickBehavior::Burst`) an interval then fires the
//! missed ones back to back; the loop sets `Skip`, which drops them and
//! keeps the schedule.
//!
//! Stopping: the guide flips a `running` flag and cancels each task, which
//! can interrupt a check halfway through. Here one `CancellationToken`
//! tells every service to stop. Each loop waits for either the token or its
//! next tick (`select!`, `biased` so a stop request wins a tie), and work
//! that has started is finished, not cut off. A `TaskTracker` holds the
//! services, so shutdown is "cancel the token, then wait for the tracker",
//! with a grace period in case a service does not stop: after it, the
//! services still running are aborted, and the tracker waited for again
//! until they are gone. Neither a tracker nor a dropped `JoinHandle` stops a
//! task, so each service's handle is an `AbortOnDropHandle`: a `run` that
//! returns early or is itself cancelled leaves no service running.
//!
//! Ctrl-C: the guide's `signal_handler` and `shutdown_event` are never
//! connected to anything, and `except KeyboardInterrupt` inside a coroutine
//! does not catch Ctrl-C (asyncio cancels the main task instead). Here
//! `tokio::signal::ctrl_c()` races the run time in `select!`, and either
//! one leads to the same graceful stop; the program exits with code 0. If
//! listening for Ctrl-C fails, the services are stopped the same way before
//! the error is reported.
//!
//! The guide forgets `import random`, so its metrics service dies with a
//! `NameError` on its first tick, silently, until `stop()` re-raises it.
//! Here the metrics come from a seeded `ChaCha8Rng` (seed 7), so every run
//! prints the same numbers. The run time is 9.5 s rather than the guide's
//! 10 s, so that no tick is due at the moment of stopping: Tokio documents
//! no order for timers due at the same instant, so a tick due with the stop
//! could come before it or after it. In 9.5 s the services do what the
//! guide's would do in 10 s: two health checks and five rounds of metrics.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Background Tasks and Services"

use std::fmt;
use std::future::Future;
use std::time::Duration;

use anyhow::{Context, bail};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use tokio::task::AbortHandle;
use tokio::time::{MissedTickBehavior, interval, sleep, timeout};
use tokio_util::sync::CancellationToken;
use tokio_util::task::{AbortOnDropHandle, TaskTracker};

const RUN_TIME: Duration = Duration::from_millis(9_500);
const GRACE_PERIOD: Duration = Duration::from_secs(1);

/// The guide's `AsyncBackgroundService` base class: a service gives its name,
/// its interval and its `_work`; the loop, `start` and `stop` are written
/// once, below, for every service.
trait Service: Send + 'static {
    const NAME: &'static str;
    const INTERVAL: Duration;

    fn work(&mut self) -> impl Future<Output = ()> + Send;
}

/// Works on every tick until `shutdown` is cancelled, then hands the
/// service back so its final state can be reported.
async fn run_service<S: Service>(mut service: S, shutdown: CancellationToken) -> S {
    // `interval` panics on a zero period: checked when the program
    // compiles, for each service.
    const {
        assert!(
            !S::INTERVAL.is_zero(),
            "a service's INTERVAL must be above zero"
        );
    }
    let mut ticks = interval(S::INTERVAL);
    // A piece of work that outlasts the interval (a slow check, a busy
    // runtime) makes the loop miss ticks. The default, `Burst`, would then
    // fire the missed ticks back to back to catch up; `Skip` drops them and
    // waits for the next tick on the original schedule.
    ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            biased;
            () = shutdown.cancelled() => break,
            _ = ticks.tick() => service.work().await,
        }
    }
    service
}

/// Starts a service on the tracker. The handle aborts the service when it
/// is dropped, so a `run` that returns early or is cancelled leaves no
/// service running: a `TaskTracker` does not abort its tasks when dropped,
/// and a plain `JoinHandle` detaches its task.
fn start<S: Service>(
    services: &TaskTracker,
    shutdown: &CancellationToken,
    service: S,
) -> AbortOnDropHandle<S> {
    let handle = services.spawn(run_service(service, shutdown.clone()));
    println!("Service {} started", S::NAME);
    AbortOnDropHandle::new(handle)
}

/// Cancels the token, waits up to `GRACE_PERIOD` for every service to end,
/// and aborts those still running after it.
async fn stop(
    services: &TaskTracker,
    shutdown: &CancellationToken,
    handles: &[AbortHandle],
) -> anyhow::Result<()> {
    shutdown.cancel();
    if timeout(GRACE_PERIOD, services.wait()).await.is_ok() {
        return Ok(());
    }
    for handle in handles {
        handle.abort();
    }
    // An aborted task ends at its next `.await`, and the tracker sees it go;
    // only a service stuck in blocking code could keep this waiting.
    services.wait().await;
    bail!("the services did not stop within {GRACE_PERIOD:?}, and were aborted")
}

// The demonstration's two services.

const SEED: u64 = 7;

#[derive(Default)]
struct HealthCheckService {
    check_count: u32,
}

impl Service for HealthCheckService {
    const NAME: &'static str = "HealthCheck";
    const INTERVAL: Duration = Duration::from_secs(5);

    async fn work(&mut self) {
        self.check_count += 1;
        sleep(Duration::from_millis(100)).await; // the check itself
        println!("Health check #{} completed", self.check_count);
    }
}

#[derive(Default)]
struct Metrics {
    requests: u32,
    errors: u32,
}

/// Printed as the guide prints its dict of metrics.
impl fmt::Display for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self { requests, errors } = self;
        write!(f, r#"{{"requests": {requests}, "errors": {errors}}}"#)
    }
}

struct MetricsService {
    metrics: Metrics,
    rng: ChaCha8Rng,
}

impl Service for MetricsService {
    const NAME: &'static str = "Metrics";
    const INTERVAL: Duration = Duration::from_secs(2);

    async fn work(&mut self) {
        self.metrics.requests += self.rng.random_range(1..=10);
        self.metrics.errors += self.rng.random_range(0..=2);
        println!("Metrics: {}", self.metrics);
    }
}

pub async fn run() -> anyhow::Result<()> {
    let shutdown = CancellationToken::new();
    let services = TaskTracker::new();
    let health = start(&services, &shutdown, HealthCheckService::default());
    let metrics = start(
        &services,
        &shutdown,
        MetricsService {
            metrics: Metrics::default(),
            rng: ChaCha8Rng::seed_from_u64(SEED),
        },
    );
    services.close();

    println!("Main application running...");
    // Whatever ends the run, an error included, the services are stopped
    // before it is reported.
    let ended = tokio::select! {
        () = sleep(RUN_TIME) => Ok(()),
        signal = tokio::signal::ctrl_c() => match signal {
            Ok(()) => {
                println!("Received shutdown signal");
                Ok(())
            }
            Err(error) => Err(error).context("cannot listen for Ctrl-C"),
        },
    };

    println!("Stopping services...");
    let handles = [health.abort_handle(), metrics.abort_handle()];
    stop(&services, &shutdown, &handles).await?;
    ended?;

    // Every service has finished, so these return at once.
    let health = health.await?;
    println!(
        "Service {} stopped, check count: {}",
        HealthCheckService::NAME,
        health.check_count
    );
    let metrics = metrics.await?;
    println!(
        "Service {} stopped at {}",
        MetricsService::NAME,
        metrics.metrics
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A service whose work never ends, so it never sees the token.
    struct Stuck;

    impl Service for Stuck {
        const NAME: &'static str = "Stuck";
        const INTERVAL: Duration = Duration::from_secs(1);

        async fn work(&mut self) {
            std::future::pending::<()>().await;
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_service_still_running_after_the_grace_period_is_aborted() {
        let services = TaskTracker::new();
        let shutdown = CancellationToken::new();
        let stuck = start(&services, &shutdown, Stuck);
        services.close();
        sleep(Duration::from_millis(10)).await; // in its work by now

        let stopped = stop(&services, &shutdown, &[stuck.abort_handle()]).await;
        assert!(stopped.is_err(), "the stuck service stopped by itself");
        assert!(
            stuck.is_finished(),
            "stop returned before the abort ended it"
        );
        assert!(stuck.await.is_err_and(|error| error.is_cancelled()));
    }
}
