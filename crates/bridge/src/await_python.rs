//! Rust awaits a Python coroutine: Rust starts an async Python function for
//! each name, awaits them all, and hands the results back to asyncio; if it
//! stops waiting, it cancels what it started.
//!
//! `into_future` turns a Python awaitable into a Rust future; the coroutine
//! runs as an `asyncio.Task` on the event loop, and the future completes when
//! it does. Dropping that future does not cancel the task
//! ([cancellation](cancellation.md)), so `lookup_all` puts each task in a
//! `CancelOnDrop` guard as it creates it, and the guard's `Drop` cancels
//! them, as a `TaskGroup` does when the code inside it fails. It runs on a
//! Tokio worker, which must not wait for the GIL ([gil](gil.md)), so it
//! hands the cancelling to a `spawn_blocking` thread, which asks the loop
//! through `call_soon_threadsafe`. Unlike a `TaskGroup`, it can't wait for
//! the tasks to end (a `Drop` can't await): when `wait_for` gives up, the
//! lookups are still running, and their `except` and `finally` blocks run
//! later. Code that closes what they use must wait for them first, as
//! `settled()` does. A coroutine's exception is its future's `Err`
//! ([errors](errors.md)).

use futures::future::try_join_all;
use pyo3::prelude::*;

/// `await lookup_all(lookup, names)`: `[await lookup(name) for name in
/// names]`, all at once; the first exception cancels the other lookups.
#[pyfunction]
fn lookup_all<'py>(
    py: Python<'py>,
    lookup: Bound<'py, PyAny>,
    names: Vec<String>,
) -> PyResult<Bound<'py, PyAny>> {
    let event_loop = pyo3_async_runtimes::get_running_loop(py)?;
    // The owner first: if `lookup` raises for a name, the `?` drops it, and
    // it cancels the tasks started for the names before.
    let mut tasks = CancelOnDrop::default();
    let lookups = names
        .into_iter()
        .map(|name| tasks.start(&event_loop, lookup.call1((name,))?))
        .collect::<PyResult<Vec<_>>>()?;
    pyo3_async_runtimes::tokio::future_into_py(py, async move {
        let results = try_join_all(lookups).await?;
        // Every task is done: nothing left to cancel.
        tasks.disarm();
        Ok(results)
    })
}

/// The asyncio tasks Rust started, cancelled when this is dropped unless
/// disarmed: what a `TaskGroup` does when the code inside it fails.
#[derive(Default)]
pub(crate) struct CancelOnDrop {
    tasks: Vec<Py<PyAny>>,
}

impl CancelOnDrop {
    /// `event_loop.create_task(coroutine)`, owned by this guard from the
    /// moment it exists; the future completes with the task.
    pub(crate) fn start(
        &mut self,
        event_loop: &Bound<'_, PyAny>,
        coroutine: Bound<'_, PyAny>,
    ) -> PyResult<impl Future<Output = PyResult<Py<PyAny>>> + Send + use<>> {
        let task = event_loop.call_method1("create_task", (coroutine,))?;
        self.tasks.push(task.clone().unbind());
        pyo3_async_runtimes::tokio::into_future(task)
    }

    /// The tasks are done: dropping the guard now cancels nothing.
    pub(crate) fn disarm(mut self) {
        self.tasks.clear();
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        let tasks = std::mem::take(&mut self.tasks);
        if tasks.is_empty() {
            return;
        }
        // Usually dropped on a Tokio worker, which must not wait for the GIL
        // (the tasks beside it would wait too): a blocking thread waits
        // instead, as pyo3-async-runtimes does to hand a result over. The
        // job ends once it has asked the loop; nothing needs to await it.
        pyo3_async_runtimes::tokio::get_runtime().spawn_blocking(move || {
            Python::try_attach(move |py| {
                for task in tasks {
                    // Cancelling a task that is done does nothing. The loop
                    // may be closed already: then so are its tasks.
                    let task = task.into_bound(py);
                    let _ = task.getattr("cancel").and_then(|cancel| {
                        task.call_method0("get_loop")?
                            .call_method1("call_soon_threadsafe", (cancel,))
                    });
                }
            });
        });
    }
}

pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(lookup_all, module)?)
}
