//! Background services on interval loops, stopped after a time or on Ctrl-C.
//!
//! The guide's base class becomes a `Service` trait and one loop on an
//! `interval`, which ticks at a fixed rate where the guide's sleep drifts.
//! The guide cancels its tasks mid-check and never installs its Ctrl-C
//! handler; here a `CancellationToken` asks, work in progress finishes, a
//! `TaskTracker` waits (aborting a service past the grace period), and
//! `ctrl_c()` races the run time.
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
/// How long to wait for aborted services to end: one stuck in blocking
/// code never does.
const ABORT_WAIT: Duration = Duration::from_secs(1);

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
/// or until `interrupted` completes, and aborts those still running then.
async fn stop(
    services: &TaskTracker,
    shutdown: &CancellationToken,
    handles: &[AbortHandle],
    interrupted: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    shutdown.cancel();
    let why = tokio::select! {
        ended = timeout(GRACE_PERIOD, services.wait()) => match ended {
            Ok(()) => return Ok(()),
            Err(_elapsed) => format!("the services did not stop within {GRACE_PERIOD:?}"),
        },
        () = interrupted => "interrupted while the services stopped".to_owned(),
    };
    for handle in handles {
        handle.abort();
    }
    // An aborted task ends at its next `.await`, and the tracker sees it go;
    // one stuck in blocking code never gets there.
    if timeout(ABORT_WAIT, services.wait()).await.is_err() {
        bail!("{why}; aborted, a service still ran {ABORT_WAIT:?} later (stuck in blocking code?)");
    }
    bail!("{why}, and were aborted")
}

// The demonstration's two services.

/// The metrics' generator is seeded; the guide's uses `random`, which it never
/// imports.
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
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    let heard = tokio::select! {
        () = sleep(RUN_TIME) => None,
        signal = &mut ctrl_c => Some(signal),
    };
    // The next Ctrl-C, while the services stop: the same listener if the
    // run time ended first, else a new one. Once it has listened, Ctrl-C no
    // longer ends the process (Tokio never restores the default), so it
    // listens on, and a Ctrl-C then aborts the services at once.
    let run_time_ended = heard.is_none();
    let next_ctrl_c = async {
        let next = if run_time_ended {
            ctrl_c.await
        } else {
            tokio::signal::ctrl_c().await
        };
        if next.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let ended = match heard {
        None => Ok(()),
        Some(Ok(())) => {
            println!("Received shutdown signal");
            Ok(())
        }
        Some(Err(error)) => Err(error).context("cannot listen for Ctrl-C"),
    };

    println!("Stopping services...");
    let handles = [health.abort_handle(), metrics.abort_handle()];
    stop(&services, &shutdown, &handles, next_ctrl_c).await?;
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
    use tokio::time::Instant;

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

        let never = std::future::pending();
        let stopped = stop(&services, &shutdown, &[stuck.abort_handle()], never).await;
        assert!(stopped.is_err(), "the stuck service stopped by itself");
        assert!(
            stuck.is_finished(),
            "stop returned before the abort ended it"
        );
        assert!(stuck.await.is_err_and(|error| error.is_cancelled()));
    }

    /// A Ctrl-C while the services stop cuts the grace period short.
    #[tokio::test(start_paused = true)]
    async fn an_interrupt_while_stopping_aborts_at_once() {
        let services = TaskTracker::new();
        let shutdown = CancellationToken::new();
        let stuck = start(&services, &shutdown, Stuck);
        services.close();
        sleep(Duration::from_millis(10)).await;

        let stopping = Instant::now();
        let interrupted = sleep(Duration::from_millis(100));
        let stopped = stop(&services, &shutdown, &[stuck.abort_handle()], interrupted).await;
        assert!(stopped.is_err());
        assert_eq!(stopping.elapsed(), Duration::from_millis(100));
        assert!(stuck.await.is_err_and(|error| error.is_cancelled()));
    }

    /// A service that, once in its work, blocks its thread until `release`
    /// is sent or dropped.
    struct Blocked {
        started: Option<tokio::sync::oneshot::Sender<()>>,
        release: std::sync::mpsc::Receiver<()>,
    }

    impl Service for Blocked {
        const NAME: &'static str = "Blocked";
        const INTERVAL: Duration = Duration::from_secs(1);

        async fn work(&mut self) {
            if let Some(started) = self.started.take() {
                let _ = started.send(());
            }
            let _ = self.release.recv();
        }
    }

    /// No abort stops a service stuck in blocking code: `stop` gives up on
    /// it `ABORT_WAIT` after the abort. The service runs on a runtime of its
    /// own, whose one worker it blocks, so the test's runtime keeps time.
    #[tokio::test(start_paused = true)]
    async fn a_service_stuck_in_blocking_code_does_not_hold_the_stop() {
        let elsewhere = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_time()
            .build()
            .unwrap();
        // Dropped before `elsewhere`, even on a panic: that frees its worker.
        let (release, blocked) = std::sync::mpsc::channel();
        let (started, has_started) = tokio::sync::oneshot::channel();
        let services = TaskTracker::new();
        let shutdown = CancellationToken::new();
        let service = Blocked {
            started: Some(started),
            release: blocked,
        };
        let stuck = elsewhere.spawn(services.track_future(run_service(service, shutdown.clone())));
        services.close();
        has_started.await.unwrap();

        let limit = GRACE_PERIOD + ABORT_WAIT + Duration::from_secs(1);
        let never = std::future::pending();
        let handles = [stuck.abort_handle()];
        let stopping = stop(&services, &shutdown, &handles, never);
        let stopped = timeout(limit, stopping).await.expect("stop waits for ever");
        assert!(stopped.is_err_and(|error| error.to_string().contains("blocking code")));
        drop(release);
        elsewhere.shutdown_background();
    }
}
