//! `hot_path`: the hot path of an asyncio service, moved to Rust. `await
//! count_primes(limit)` counts on Tokio's blocking threads without the GIL,
//! so the event loop runs on and several requests use several cores; the
//! count stops when the caller stops waiting.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;

/// `await count_primes(limit)`: how many primes are below `limit`.
#[pyfunction]
fn count_primes(py: Python<'_>, limit: u64) -> PyResult<Bound<'_, PyAny>> {
    if limit > MAX_LIMIT {
        return Err(PyValueError::new_err(format!(
            "limit {limit} is above {MAX_LIMIT}"
        )));
    }
    let stop = StopOnDrop(Arc::new(AtomicBool::new(false)));
    let stopped = Arc::clone(&stop.0);
    pyo3_async_runtimes::tokio::future_into_py(py, async move {
        // Dropped with this future when the caller gives up (a timeout, a
        // cancelled task), which tells the job to stop.
        let _stop = stop;
        tokio::task::spawn_blocking(move || primes_below(limit, &stopped))
            .await
            .map_err(|error| PyRuntimeError::new_err(error.to_string()))?
            .ok_or_else(|| PyRuntimeError::new_err("stopped"))
    })
}

/// The largest limit a request may ask for: a few seconds of work.
const MAX_LIMIT: u64 = 10_000_000;

/// The number of primes below `limit`, by trial division, as the Python
/// function it replaces; `None` if `stop` was set before it finished.
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

/// Sets its flag when dropped: Tokio cannot stop a blocking job, so the job
/// looks at the flag.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Registered with `atexit`, which runs before the interpreter finalizes.
/// A Tokio thread handing a result over releases the GIL around the socket
/// write of `call_soon_threadsafe`; if Python finalizes meanwhile, the
/// thread is killed when it asks for the GIL back, and the process aborts.
/// Releasing the GIL for a moment lets it finish first.
#[pyfunction]
fn let_tokio_threads_leave_python(py: Python<'_>) {
    py.detach(|| std::thread::sleep(Duration::from_millis(50)));
}

#[pymodule]
fn hot_path(module: &Bound<'_, PyModule>) -> PyResult<()> {
    // The runtime is built by the first `future_into_py`; `init` sizes it,
    // and does nothing once it is built. Its workers only pass results on
    // here: the counting runs on the blocking threads, as many as there are
    // jobs, so the service bounds its jobs.
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    runtime.enable_all().worker_threads(2);
    pyo3_async_runtimes::tokio::init(runtime);

    let at_exit = wrap_pyfunction!(let_tokio_threads_leave_python, module)?;
    let atexit = module.py().import("atexit")?;
    atexit.call_method1("register", (at_exit,))?;
    module.add_function(wrap_pyfunction!(count_primes, module)?)
}
