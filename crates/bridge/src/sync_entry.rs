//! A synchronous entry point: a plain function that Python calls without
//! `await`, which runs async Rust to completion with `block_on` on the
//! shared Tokio runtime, and lets go of the GIL while it waits.
//!
//! `block_on` parks its thread until the future completes. Here the future
//! calls back into Python on a Tokio blocking thread, which must attach to
//! Python first: if the parked thread still holds the GIL, neither goes on.
//! PyO3's docs (`Python`, "Deadlocks") say so: "release the GIL before
//! trying to lock a mutex or `await`ing in asynchronous code, e.g. with
//! `Python::detach`". So `call_back_sync` runs `block_on` inside
//! `py.detach`, as should any call that waits for other Python threads.
//! `stuck_without_detach` shows the other way without hanging: a thread
//! attaches and runs the same `block_on`; the caller, detached, waits until
//! the callback asks for the GIL, sees that it has not started, as it can't
//! while that thread holds the GIL, and tells it to give up; then it lets go
//! and the callback runs. On a free-threaded build (3.14t) there is no GIL
//! to wait for, and the `without detach` line would differ.

use std::sync::mpsc;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use tokio::sync::oneshot;

/// `call_back_sync(callback)`: calls `callback()` from Tokio and returns
/// what it returned, a `str`; no `await`.
#[pyfunction]
fn call_back_sync(py: Python<'_>, callback: Py<PyAny>) -> PyResult<String> {
    // Nobody watches this one's progress: its sends find no receiver.
    let (progress, _) = mpsc::channel();
    py.detach(|| runtime().block_on(call_back(callback, progress)))
}

/// What `call_back_sync` would be without `detach`: `block_on` with the GIL
/// held, as `py` says. `give_up` is the demonstration's only way out.
fn call_back_holding_gil(
    _py: Python<'_>,
    callback: Py<PyAny>,
    progress: mpsc::Sender<Step>,
    give_up: oneshot::Receiver<()>,
) -> Option<PyResult<String>> {
    runtime().block_on(async {
        tokio::select! {
            result = call_back(callback, progress) => Some(result),
            _ = give_up => None,
        }
    })
}

/// The async work: Python code, on a thread that may block waiting for the
/// GIL, as no Tokio worker should.
async fn call_back(callback: Py<PyAny>, progress: mpsc::Sender<Step>) -> PyResult<String> {
    tokio::task::spawn_blocking(move || {
        let _ = progress.send(Step::Asked);
        let result = Python::attach(|py| {
            let _ = progress.send(Step::Started);
            callback.bind(py).call0()?.extract::<String>()
        });
        let _ = progress.send(Step::Returned);
        result
    })
    .await
    .map_err(|error| PyRuntimeError::new_err(error.to_string()))?
}

/// How far the callback got.
#[derive(Debug, PartialEq)]
enum Step {
    /// About to attach to Python.
    Asked,
    /// Attached; calling it.
    Started,
    /// Done, and detached.
    Returned,
}

/// `stuck_without_detach(callback)`: runs `call_back_holding_gil` on a
/// thread of its own, and says how far `callback` got while that thread
/// held the GIL.
#[pyfunction]
fn stuck_without_detach(py: Python<'_>, callback: Py<PyAny>) -> PyResult<String> {
    let (progress, steps) = mpsc::channel();
    let (give_up, given_up) = oneshot::channel();
    // Waiting on another thread that attaches: this one must not hold the GIL.
    py.detach(move || {
        let stuck = std::thread::spawn(move || {
            Python::attach(|py| call_back_holding_gil(py, callback, progress, given_up))
        });
        let asked = steps.recv();
        // The stuck thread holds the GIL from before it spawned the callback
        // until `block_on` returns, so `Started` can't have been sent yet.
        let meanwhile = steps.try_recv();
        let _ = give_up.send(());
        let finished = stuck
            .join()
            .map_err(|_| PyRuntimeError::new_err("the stuck thread panicked"))?;
        // Now that it let go, the callback runs: wait for it to end.
        while steps.recv().is_ok_and(|step| step != Step::Returned) {}
        Ok(match (asked, meanwhile, finished) {
            (Ok(Step::Asked), Err(mpsc::TryRecvError::Empty), None) => {
                "the callback asked for the GIL and had not started when block_on gave up"
                    .to_owned()
            }
            other => format!("unexpected: {other:?}"),
        })
    })
}

fn runtime() -> &'static tokio::runtime::Runtime {
    pyo3_async_runtimes::tokio::get_runtime()
}

pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(call_back_sync, module)?)?;
    module.add_function(wrap_pyfunction!(stuck_without_detach, module)?)
}
