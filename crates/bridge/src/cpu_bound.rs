//! CPU-bound work off the event loop: Rust's `spawn_blocking` against
//! asyncio's `run_in_executor`, both awaited while a heartbeat on the loop
//! keeps time.
//!
//! `count_primes` runs the computation in `spawn_blocking`, on Tokio's pool
//! of threads for blocking work, and never takes the GIL: the event loop
//! runs on as if nothing happened, and two such jobs can run on two cores
//! at once. The future only waits for the job's `JoinHandle`; the result, a
//! plain `u64`, becomes a Python `int` when pyo3-async-runtimes hands it to
//! the loop.
//!
//! Cancelling the awaitable drops the future, not the job: Tokio can't stop
//! a thread from outside, so a `spawn_blocking` job runs to its end
//! ([cancellation](cancellation.md)). A long one should look, now and then,
//! at a flag its future sets when dropped, as `count_primes` does: a
//! `wait_for` that gives up on it then frees the thread too.
//!
//! asyncio's own answer, `loop.run_in_executor(None, count_primes_py, n)`,
//! also moves the call to a thread, and the loop stays responsive too; but
//! the pure-Python function holds the GIL while it runs, and gives it up
//! every few milliseconds (`sys.getswitchinterval()`), so it runs on one
//! core at a time with the loop and every other Python thread. That is why
//! asyncio's documentation sends CPU-bound work to a `ProcessPoolExecutor`.
//!
//! `count_primes_blocking` is the same computation as a plain function:
//! called from a coroutine, it runs on the event loop's thread, holding the
//! GIL, and nothing else runs on the loop until it returns.
//!
//! How long each takes depends on the machine, and is not what this shows;
//! the lesson prints how long the event loop was held up.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

/// `await count_primes(limit)`: how many primes are below `limit`, counted
/// in a `spawn_blocking` job, without the GIL.
#[pyfunction]
fn count_primes(py: Python<'_>, limit: u64) -> PyResult<Bound<'_, PyAny>> {
    let stop = StopOnDrop(Arc::new(AtomicBool::new(false)));
    let stopped = Arc::clone(&stop.0);
    pyo3_async_runtimes::tokio::future_into_py(py, async move {
        let _stop = stop;
        tokio::task::spawn_blocking(move || primes_below(limit, &stopped))
            .await
            .map_err(|error| PyRuntimeError::new_err(error.to_string()))?
            .ok_or_else(|| PyRuntimeError::new_err("stopped"))
    })
}

/// The same, computed in the calling thread, holding the GIL.
#[pyfunction]
fn count_primes_blocking(limit: u64) -> u64 {
    primes_below(limit, &AtomicBool::new(false)).unwrap_or_default()
}

/// The number of primes below `limit`, by trial division: deliberately
/// plain CPU work, the same as the Python version's. `None` if `stop` was
/// set before it finished.
fn primes_below(limit: u64, stop: &AtomicBool) -> Option<u64> {
    let mut count = 0;
    for n in 2..limit {
        if n % 1024 == 0 && stop.load(Ordering::Relaxed) {
            return None;
        }
        if (2..).take_while(|&d| d <= n / d).all(|d| n % d != 0) {
            count += 1;
        }
    }
    Some(count)
}

/// Sets its flag when dropped: the future that owns it was dropped, and
/// the job it waits for may stop.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(count_primes, module)?)?;
    module.add_function(wrap_pyfunction!(count_primes_blocking, module)?)
}
