//! Cancellation across the boundary, both ways: `asyncio.wait_for` cancels
//! a Rust future, and Rust stops waiting for a Python coroutine.
//!
//! Python cancels Rust: when the awaitable from `future_into_py` is cancelled,
//! its done-callback wakes the Tokio task, which polls the Rust future once
//! more (what it returns then is thrown away) and drops it, and a guard
//! records the moment. Nothing orders that drop against `wait_for`'s
//! `TimeoutError`, so Python learns of it by asking (`watch.when`). What the
//! future started and does not own, a `spawn_blocking` job, runs to its end
//! unless it checks a flag ([cpu_bound](cpu_bound.md)). Rust cancels Python:
//! dropping the future from `into_future` leaves the Python task running, so
//! a Tokio `timeout` only stops Rust waiting. To cancel the coroutine
//! whenever Rust stops waiting, own its task in a `CancelOnDrop`
//! ([await_python](await_python.md)), as `wait_in_python` does: cancelling
//! its awaitable cancels the coroutine, as the timeout of the
//! `asyncio.wait_for` around it does.

use std::sync::Arc;
use std::time::{Duration, Instant};

use pyo3::exceptions::{PyConnectionError, PyRuntimeError, PyTimeoutError, PyValueError};
use pyo3::prelude::*;
use tokio::sync::watch;

use crate::await_python::CancelOnDrop;

/// What happened to the Rust side of each awaitable, and when, for the
/// Python side to wait for and print.
#[pyclass(frozen)]
struct Watch {
    started: Instant,
    events: Arc<watch::Sender<Vec<(&'static str, Duration)>>>,
    client: reqwest::Client,
}

#[pymethods]
impl Watch {
    #[new]
    fn new() -> PyResult<Self> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|error| PyConnectionError::new_err(error.to_string()))?;
        Ok(Self {
            started: Instant::now(),
            events: Arc::new(watch::Sender::new(Vec::new())),
            client,
        })
    }

    /// `await watch.fetch(url)`: GETs `url`; records "request dropped" if
    /// Python stops waiting first.
    fn fetch<'py>(&self, py: Python<'py>, url: &str) -> PyResult<Bound<'py, PyAny>> {
        let request = self.client.get(url);
        let guard = self.guard("request dropped");
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            let response = request
                .send()
                .await
                .map_err(|error| PyConnectionError::new_err(error.to_string()))?;
            guard.disarm();
            Ok(response.status().as_u16())
        })
    }

    /// `await watch.blocking_sleep(seconds)`: sleeps in a `spawn_blocking`
    /// job; records "future dropped" if Python stops waiting first, and
    /// "blocking job ended" when the job does.
    fn blocking_sleep<'py>(&self, py: Python<'py>, seconds: f64) -> PyResult<Bound<'py, PyAny>> {
        let duration = duration(seconds)?;
        let guard = self.guard("future dropped");
        let (started, events) = (self.started, Arc::clone(&self.events));
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            tokio::task::spawn_blocking(move || {
                std::thread::sleep(duration);
                record(&events, started, "blocking job ended");
            })
            .await
            .map_err(|error| PyRuntimeError::new_err(error.to_string()))?;
            guard.disarm();
            Ok(())
        })
    }

    /// `await watch.when(event)`: the seconds from the watch's creation to
    /// `event`, waiting for it if it hasn't happened yet (at most 5 s).
    fn when<'py>(&self, py: Python<'py>, event: String) -> PyResult<Bound<'py, PyAny>> {
        let mut events = self.events.subscribe();
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            let found = tokio::time::timeout(
                Duration::from_secs(5),
                events.wait_for(|events| events.iter().any(|(name, _)| *name == event)),
            )
            .await
            .map_err(|_| PyTimeoutError::new_err(format!("no {event:?} within 5 s")))?
            .map_err(|error| PyRuntimeError::new_err(error.to_string()))?;
            let at = found
                .iter()
                .find(|(name, _)| *name == event)
                .map(|(_, at)| at.as_secs_f64());
            Ok(at)
        })
    }
}

impl Watch {
    fn guard(&self, event: &'static str) -> DropGuard {
        DropGuard {
            event,
            started: self.started,
            events: Arc::clone(&self.events),
            armed: true,
        }
    }
}

/// Records its event when dropped, unless disarmed first: dropped with a
/// future that did not finish.
struct DropGuard {
    event: &'static str,
    started: Instant,
    events: Arc<watch::Sender<Vec<(&'static str, Duration)>>>,
    armed: bool,
}

impl DropGuard {
    /// The future finished: dropping the guard now records nothing.
    fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        if self.armed {
            record(&self.events, self.started, self.event);
        }
    }
}

fn record(
    events: &watch::Sender<Vec<(&'static str, Duration)>>,
    started: Instant,
    event: &'static str,
) {
    let at = started.elapsed();
    events.send_modify(|events| events.push((event, at)));
}

/// `await wait_in_rust(awaitable, seconds)`: awaits it under a Tokio
/// timeout. On timeout Rust stops waiting, and the Python task runs on.
#[pyfunction]
fn wait_in_rust<'py>(
    py: Python<'py>,
    awaitable: Bound<'py, PyAny>,
    seconds: f64,
) -> PyResult<Bound<'py, PyAny>> {
    let limit = duration(seconds)?;
    let result = pyo3_async_runtimes::tokio::into_future(awaitable)?;
    pyo3_async_runtimes::tokio::future_into_py(py, async move {
        tokio::time::timeout(limit, result).await.map_err(|_| {
            PyTimeoutError::new_err(format!("Rust stopped waiting after {seconds}s"))
        })?
    })
}

/// `await wait_in_python(coroutine, seconds)`: awaits
/// `asyncio.wait_for(coroutine, seconds)` in a task that a `CancelOnDrop`
/// owns, so the timeout cancels the coroutine where it runs, and so does
/// dropping the Rust future.
#[pyfunction]
fn wait_in_python<'py>(
    py: Python<'py>,
    coroutine: Bound<'py, PyAny>,
    seconds: f64,
) -> PyResult<Bound<'py, PyAny>> {
    duration(seconds)?;
    let wait_for = py
        .import("asyncio")?
        .call_method1("wait_for", (coroutine, seconds))?;
    let mut task = CancelOnDrop::default();
    let result = task.start(&pyo3_async_runtimes::get_running_loop(py)?, wait_for)?;
    pyo3_async_runtimes::tokio::future_into_py(py, async move {
        let result = result.await;
        task.disarm();
        result
    })
}

fn duration(seconds: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(seconds)
        .map_err(|error| PyValueError::new_err(format!("{seconds} seconds: {error}")))
}

pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<Watch>()?;
    module.add_function(wrap_pyfunction!(wait_in_rust, module)?)?;
    module.add_function(wrap_pyfunction!(wait_in_python, module)?)
}
