//! Background services on interval loops, a health check and a metrics
//! collector, stopped gracefully after a fixed run time or on Ctrl-C,
//! whichever comes first.
//!
//! The guide's base class becomes a `Service` trait and one loop on an
//! `interval`, which ticks at a fixed rate where the guide's sleep drifts, and
//! skips missed ticks. The guide cancels its tasks mid-check; here a
//! `CancellationToken` asks, work in progress finishes, and a `TaskTracker`
//! waits, aborting a service that outlasts the grace period. The guide's
//! Ctrl-C handler is never installed; here `ctrl_c()` races the run time.
//! The guide never imports `random`; the metrics are seeded.
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

// 9.5 s rather than the guide's 10, so that no tick is due at the moment of
// stopping (Tokio documents no order for timers due at one instant); the
// services do what the guide's would in 10 s.
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
