//! Rust awaits a Python coroutine: Rust starts an async Python function for
//! each name, awaits them all, and hands the results back to asyncio; if it
//! stops waiting, it cancels what it started.
//!
//! `into_future` turns a Python awaitable into a Rust future; the coroutine
//! runs as an `asyncio.Task` on the event loop, and the future completes when
//! it does. Dropping that future does not cancel the task
//! ([cancellation](cancellation.md)), so `lookup_all` keeps the tasks in a
//! guard whose `Drop` cancels each one, as a cancelled `TaskGroup` does: on a
//! Tokio thread it takes the GIL only briefly, with `Python::try_attach`, and
//! asks the loop to cancel through `call_soon_threadsafe` ([gil](gil.md)).
//! A coroutine's exception is its future's `Err` ([errors](errors.md)).

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
    let tasks = names
        .into_iter()
        .map(|name| event_loop.call_method1("create_task", (lookup.call1((name,))?,)))
        .collect::<PyResult<Vec<_>>>()?;
    let guard = CancelOnDrop {
        event_loop: event_loop.unbind(),
        tasks: tasks.iter().map(|task| task.clone().unbind()).collect(),
    };
    let lookups = tasks
        .into_iter()
        .map(pyo3_async_runtimes::tokio::into_future)
        .collect::<PyResult<Vec<_>>>()?;
    pyo3_async_runtimes::tokio::future_into_py(py, async move {
        let results = try_join_all(lookups).await?;
        // Every task is done: nothing left to cancel.
        guard.disarm();
        Ok(results)
    })
}

/// asyncio tasks that are cancelled when this is dropped, unless disarmed.
struct CancelOnDrop {
    event_loop: Py<PyAny>,
    tasks: Vec<Py<PyAny>>,
}

impl CancelOnDrop {
    fn disarm(mut self) {
        self.tasks.clear();
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if self.tasks.is_empty() {
            return;
        }
        Python::try_attach(|py| {
            for task in &self.tasks {
                // Cancelling a task that is done does nothing. The loop
                // may be closed already: then so are its tasks.
                let _ = task.bind(py).getattr("cancel").and_then(|cancel| {
                    self.event_loop
                        .bind(py)
                        .call_method1("call_soon_threadsafe", (cancel,))
                });
            }
        });
    }
}

pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(lookup_all, module)?)
}
