//! The GIL: Rust that holds it while it blocks holds up the event loop,
//! from whichever thread; `Python::detach` and a Tokio task that does not
//! attach leave the loop running.
//!
//! On a standard (GIL) build, a Rust function called from Python holds the
//! GIL until it returns, and never hands it over as the interpreter does
//! every few milliseconds: so even on an executor thread, a blocking call
//! that keeps it stops the loop. `py.detach(|| ...)` releases it around work
//! that touches no Python object. A Tokio thread has no GIL until
//! `Python::attach`; held there across blocking work, it stalls the loop just
//! the same. (Older code and answers spell these `allow_threads` and
//! `Python::with_gil`: renamed in PyO3 0.26, the old names removed in 0.28.)
//! Attach only to touch Python objects, and briefly. A free-threaded build
//! (3.14t) has no GIL, and this module says it needs none (`gil_used =
//! false`, PyO3 0.30's default): there an attached thread that blocks holds
//! up the others only when the interpreter stops them all, as its garbage
//! collector does, and PyO3's guide says to detach in the same places. Each
//! sleep returns how many of the loop's heartbeats ran meanwhile, which the
//! lesson counts rather than timing the loop's pauses, as a busy machine
//! stretches those: none can run while the GIL is held.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;

/// Blocks the calling thread, holding the GIL.
#[pyfunction]
fn sleep_holding_gil(seconds: f64) -> PyResult<usize> {
    let duration = duration(seconds)?;
    Ok(heartbeats_during(|| std::thread::sleep(duration)))
}

/// Blocks the calling thread with the GIL released.
#[pyfunction]
fn sleep_detached(py: Python<'_>, seconds: f64) -> PyResult<usize> {
    let duration = duration(seconds)?;
    Ok(py.detach(|| heartbeats_during(|| std::thread::sleep(duration))))
}

/// `await`able: blocks a Tokio blocking thread that attached to Python for
/// the whole time.
#[pyfunction]
fn sleep_in_tokio_attached(py: Python<'_>, seconds: f64) -> PyResult<Bound<'_, PyAny>> {
    let duration = duration(seconds)?;
    pyo3_async_runtimes::tokio::future_into_py(py, async move {
        tokio::task::spawn_blocking(move || {
            Python::attach(|_py| heartbeats_during(|| std::thread::sleep(duration)))
        })
        .await
        .map_err(|error| PyRuntimeError::new_err(error.to_string()))
    })
}

/// `await`able: blocks a Tokio blocking thread, which never attaches.
#[pyfunction]
fn sleep_in_tokio(py: Python<'_>, seconds: f64) -> PyResult<Bound<'_, PyAny>> {
    let duration = duration(seconds)?;
    pyo3_async_runtimes::tokio::future_into_py(py, async move {
        tokio::task::spawn_blocking(move || heartbeats_during(|| std::thread::sleep(duration)))
            .await
            .map_err(|error| PyRuntimeError::new_err(error.to_string()))
    })
}

// What only feeds the demonstration: the event loop's heartbeats so far.
static HEARTBEATS: AtomicUsize = AtomicUsize::new(0);

/// Counts one heartbeat of the event loop; the lesson's heartbeat task calls
/// it every 10 ms.
#[pyfunction]
fn heartbeat() {
    HEARTBEATS.fetch_add(1, Ordering::SeqCst);
}

/// Runs `block`, and returns how many heartbeats the event loop ran
/// meanwhile.
fn heartbeats_during(block: impl FnOnce()) -> usize {
    let before = HEARTBEATS.load(Ordering::SeqCst);
    block();
    HEARTBEATS.load(Ordering::SeqCst) - before
}

fn duration(seconds: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(seconds)
        .map_err(|error| PyValueError::new_err(format!("{seconds} seconds: {error}")))
}

pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(sleep_holding_gil, module)?)?;
    module.add_function(wrap_pyfunction!(sleep_detached, module)?)?;
    module.add_function(wrap_pyfunction!(sleep_in_tokio_attached, module)?)?;
    module.add_function(wrap_pyfunction!(sleep_in_tokio, module)?)?;
    module.add_function(wrap_pyfunction!(heartbeat, module)?)
}
