//! A circuit breaker: three failures in a row open it, and it rejects calls
//! unmade; after `reset_timeout`, one trial call closes it or opens it again.
//!
//! A breaker must see every call end; the guide's sees only calls that return,
//! so a hung service never trips it. Here `call` owns the deadline (give it
//! one shorter than its callers'), half open admits one trial, and an outcome
//! counts only in the state it began in. The guide's demo ends before its 5 s
//! timeout, never reaching half open; here it is 2 s over twenty calls.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Circuit Breaker Pattern"

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use tokio::time::{Instant, sleep, timeout};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CircuitState {
    Closed,
    Open,
    HalfOpen,
}

impl fmt::Display for CircuitState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CircuitState::Closed => "closed",
            CircuitState::Open => "open",
            CircuitState::HalfOpen => "half_open",
        })
    }
}

#[derive(Debug, thiserror::Error)]
enum CallError<E> {
    #[error("Circuit breaker is OPEN")]
    Open,
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("{0}")]
    Failed(E),
}

struct AsyncCircuitBreaker {
    failure_threshold: u32,
    /// How long the breaker stays open before a trial call (the guide's
    /// `timeout`, renamed beside `call_timeout`).
    reset_timeout: Duration,
    /// How long a call may take before it counts as a failure.
    call_timeout: Duration,
    circuit: Mutex<Circuit>,
}

struct Circuit {
    state: CircuitState,
    failure_count: u32,
    last_failure_time: Option<Instant>,
    /// How many times `state` has changed. A call's outcome counts only in
    /// the generation it began in.
    generation: u64,
    /// When the half-open trial began.
    trial_started: Option<Instant>,
}

impl AsyncCircuitBreaker {
    fn new(failure_threshold: u32, reset_timeout: Duration, call_timeout: Duration) -> Self {
        Self {
            failure_threshold,
            reset_timeout,
            call_timeout,
            circuit: Mutex::new(Circuit {
                state: CircuitState::Closed,
                failure_count: 0,
                last_failure_time: None,
                generation: 0,
                trial_started: None,
            }),
        }
    }

    /// Locked only between awaits, never across one.
    fn lock(&self) -> MutexGuard<'_, Circuit> {
        self.circuit.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn state(&self) -> CircuitState {
        self.lock().state
    }

    /// Runs `operation` unless the breaker rejects it, in which case the
    /// future is dropped unpolled and the service never hears of it. Every
    /// `Err` is a failure (the guide's `expected_exception` left at its
    /// default, `Exception`), and so is a call that takes `call_timeout`.
    async fn call<T, E>(
        &self,
        operation: impl Future<Output = Result<T, E>>,
    ) -> Result<T, CallError<E>> {
        let call = self.admit().ok_or(CallError::Open)?;
        match timeout(self.call_timeout, operation).await {
            Ok(Ok(value)) => {
                call.end(true);
                Ok(value)
            }
            Ok(Err(error)) => {
                call.end(false);
                Err(CallError::Failed(error))
            }
            Err(_elapsed) => {
                call.end(false);
                Err(CallError::Timeout(self.call_timeout))
            }
        }
    }

    fn admit(&self) -> Option<InFlight<'_>> {
        let mut circuit = self.lock();
        if circuit
            .trial_started
            .is_some_and(|at| at.elapsed() >= self.call_timeout)
        {
            // Overdue: its caller stopped polling it without dropping it, or
            // the deadline inside `call` would have ended it. It fails at that
            // deadline all the same.
            let generation = circuit.generation;
            circuit.on_failure(generation, self.failure_threshold);
        }
        let trial = match circuit.state {
            CircuitState::Closed => false,
            CircuitState::Open if circuit.should_attempt_reset(self.reset_timeout) => {
                circuit.set_state(CircuitState::HalfOpen);
                circuit.trial_started = Some(Instant::now());
                true
            }
            // Open, or half open with its trial still running.
            CircuitState::Open | CircuitState::HalfOpen => return None,
        };
        Some(InFlight {
            breaker: self,
            generation: circuit.generation,
            trial,
            ended: false,
        })
    }
}

impl Circuit {
    fn should_attempt_reset(&self, reset_timeout: Duration) -> bool {
        self.last_failure_time
            .is_some_and(|at| at.elapsed() >= reset_timeout)
    }

    fn on_success(&mut self, generation: u64) {
        if generation != self.generation {
            return; // it began before the last change of state
        }
        self.failure_count = 0;
        if self.state != CircuitState::Closed {
            self.set_state(CircuitState::Closed);
        }
    }

    fn on_failure(&mut self, generation: u64, failure_threshold: u32) {
        if generation != self.generation {
            return;
        }
        self.failure_count += 1;
        self.last_failure_time = Some(Instant::now());
        // A failed trial too: only a success resets the count.
        if self.failure_count >= failure_threshold {
            self.set_state(CircuitState::Open);
        }
    }

    /// The `println!` shows the demonstration each change; a service would
    /// log it (`tracing::info!`) or count it in a metric.
    fn set_state(&mut self, state: CircuitState) {
        println!("  ({} -> {state})", self.state);
        self.state = state;
        self.generation += 1;
        self.trial_started = None;
    }
}

/// A call the breaker let through. `end` records its outcome; a trial
/// dropped before that (its caller timed out or gave up) is a failure.
struct InFlight<'a> {
    breaker: &'a AsyncCircuitBreaker,
    generation: u64,
    trial: bool,
    ended: bool,
}

impl InFlight<'_> {
    fn end(mut self, succeeded: bool) {
        self.ended = true;
        let mut circuit = self.breaker.lock();
        if succeeded {
            circuit.on_success(self.generation);
        } else {
            circuit.on_failure(self.generation, self.breaker.failure_threshold);
        }
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        // Only the trial: a caller that gave up on a closed breaker may have
        // had reasons of its own, such as a `select!` another branch won, so
        // a closed breaker relies on its own deadline.
        if self.trial && !self.ended {
            let mut circuit = self.breaker.lock();
            circuit.on_failure(self.generation, self.breaker.failure_threshold);
        }
    }
}

pub async fn run() {
    let breaker = AsyncCircuitBreaker::new(3, Duration::from_secs(2), Duration::from_secs(1));
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let service_calls = AtomicU32::new(0);
    let mut rejected = 0;

    for i in 0..20 {
        match breaker
            .call(unreliable_service(&mut rng, &service_calls))
            .await
        {
            Ok(result) => println!("Call {i}: Success - {result}"),
            Err(error) => {
                if matches!(error, CallError::Open) {
                    rejected += 1;
                }
                println!("Call {i}: Failed - {error} (State: {})", breaker.state());
            }
        }
        sleep(Duration::from_millis(500)).await;
    }

    let made = service_calls.load(Ordering::SeqCst);
    println!(
        "The service was called {made} times; {rejected} calls were rejected without calling it"
    );
    assert_eq!(
        made + rejected,
        20,
        "a rejected call never reaches the service"
    );
}

// The demonstration's failing service: seeded, so every run prints the same
// lines.

#[derive(Debug, thiserror::Error)]
#[error("Service unavailable")]
struct ServiceUnavailable;

const SEED: u64 = 3;

/// The guide's `unreliable_service`: fails 70% of the time.
async fn unreliable_service(
    rng: &mut ChaCha8Rng,
    calls: &AtomicU32,
) -> Result<&'static str, ServiceUnavailable> {
    calls.fetch_add(1, Ordering::SeqCst);
    sleep(Duration::from_millis(100)).await;
    if rng.random::<f64>() < 0.7 {
        return Err(ServiceUnavailable);
    }
    Ok("Service response")
}

#[cfg(test)]
mod tests {
    use std::future::pending;
    use std::pin::pin;

    use futures::future::join;
    use futures::poll;

    use super::*;

    const RESET: Duration = Duration::from_secs(10);
    const CALL_TIMEOUT: Duration = Duration::from_secs(1);

    async fn fail() -> Result<(), &'static str> {
        Err("down")
    }

    async fn open(breaker: &AsyncCircuitBreaker) {
        for _ in 0..3 {
            let _ = breaker.call(fail()).await;
        }
        assert_eq!(breaker.state(), CircuitState::Open);
    }

    /// The caller's own, longer deadline: without the breaker's, each call
    /// would end here, unseen by it.
    async fn call_patiently<T>(
        breaker: &AsyncCircuitBreaker,
        operation: impl Future<Output = Result<T, &'static str>>,
        patience: Duration,
    ) -> Option<Result<T, CallError<&'static str>>> {
        timeout(patience, breaker.call(operation)).await.ok()
    }

    #[tokio::test(start_paused = true)]
    async fn a_hung_service_trips_the_breaker() {
        let breaker = AsyncCircuitBreaker::new(3, RESET, CALL_TIMEOUT);
        for _ in 0..3 {
            let result =
                call_patiently(&breaker, pending::<Result<(), _>>(), 5 * CALL_TIMEOUT).await;
            assert!(matches!(result, Some(Err(CallError::Timeout(_)))));
        }
        assert_eq!(breaker.state(), CircuitState::Open);
    }

    /// Three calls to a healthy service, each dropped when a quicker branch
    /// of a `select!` wins: no failure, and the breaker stays closed.
    #[tokio::test(start_paused = true)]
    async fn calls_dropped_by_a_lost_race_leave_a_closed_breaker_closed() {
        let breaker = AsyncCircuitBreaker::new(3, RESET, CALL_TIMEOUT);
        let healthy = async || {
            sleep(CALL_TIMEOUT / 2).await;
            Ok::<_, &'static str>(())
        };
        for _ in 0..3 {
            tokio::select! {
                _ = breaker.call(healthy()) => panic!("the call won the race"),
                () = sleep(CALL_TIMEOUT / 10) => {}
            }
        }
        assert_eq!(breaker.state(), CircuitState::Closed);
    }

    /// The trial's caller polls it once, then neither polls nor drops it:
    /// once the breaker's own deadline passes, the next call counts the
    /// trial as failed, and a later trial can close the breaker.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_on_trial_fails_at_the_deadline() {
        let breaker = AsyncCircuitBreaker::new(3, RESET, CALL_TIMEOUT);
        open(&breaker).await;
        sleep(RESET).await;
        let mut held = pin!(breaker.call(pending::<Result<(), &'static str>>()));
        assert!(poll!(held.as_mut()).is_pending());
        assert_eq!(breaker.state(), CircuitState::HalfOpen);

        sleep(CALL_TIMEOUT).await;
        assert!(matches!(breaker.call(fail()).await, Err(CallError::Open)));
        sleep(RESET).await;
        assert!(
            breaker
                .call(async { Ok::<_, &'static str>(()) })
                .await
                .is_ok()
        );
        assert_eq!(breaker.state(), CircuitState::Closed);
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_trial_reopens_the_breaker_and_others_wait_for_it() {
        let breaker = AsyncCircuitBreaker::new(3, RESET, CALL_TIMEOUT);
        open(&breaker).await;
        sleep(RESET).await;

        let reached = AtomicU32::new(0);
        let hung = || async {
            reached.fetch_add(1, Ordering::SeqCst);
            pending::<Result<(), &'static str>>().await
        };
        // The trial, given up on by its caller after 0.5 s, while ten more
        // calls come during it.
        let trial = call_patiently(&breaker, hung(), CALL_TIMEOUT / 2);
        let others = async {
            let mut results = Vec::new();
            for _ in 0..10 {
                sleep(Duration::from_millis(10)).await;
                results.push(call_patiently(&breaker, hung(), CALL_TIMEOUT / 10).await);
            }
            results
        };
        let (trial, others) = join(trial, others).await;
        assert!(trial.is_none(), "the caller gave up first");
        assert!(
            others
                .iter()
                .all(|r| matches!(r, Some(Err(CallError::Open))))
        );
        assert_eq!(reached.load(Ordering::SeqCst), 1, "one trial at a time");
        assert_eq!(breaker.state(), CircuitState::Open);
        assert!(matches!(breaker.call(hung()).await, Err(CallError::Open)));
    }

    #[tokio::test(start_paused = true)]
    async fn a_success_that_began_before_the_breaker_opened_leaves_it_open() {
        let breaker = AsyncCircuitBreaker::new(3, RESET, CALL_TIMEOUT);
        let slow = breaker.call(async {
            sleep(CALL_TIMEOUT / 2).await;
            Ok::<_, &'static str>(())
        });
        let (slow, ()) = join(slow, open(&breaker)).await;
        assert!(slow.is_ok());
        assert_eq!(breaker.state(), CircuitState::Open);
    }

    #[tokio::test(start_paused = true)]
    async fn a_trial_that_succeeds_closes_the_breaker() {
        let breaker = AsyncCircuitBreaker::new(3, RESET, CALL_TIMEOUT);
        open(&breaker).await;
        sleep(RESET).await;
        assert!(
            breaker
                .call(async { Ok::<_, &'static str>(()) })
                .await
                .is_ok()
        );
        assert_eq!(breaker.state(), CircuitState::Closed);
    }
}
