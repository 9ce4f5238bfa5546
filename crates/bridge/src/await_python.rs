//! Rust awaits a Python coroutine: Rust starts an async Python function for
//! each name, awaits them all, and hands the results back to asyncio; if it
//! stops waiting, it cancels what it started.
//!
//! `into_future` turns a Python awaitable into a Rust future. The coroutine
//! does not run in Tokio: it runs as an `asyncio.Task` on the event loop,
//! and the Rust future completes when that task does (pyo3-async-runtimes
//! adds a done-callback to the task that sends its result over a channel).
//! So the Python code runs on the loop's thread, as it always does, and
//! Rust awaits it as it awaits anything else. Here Rust makes the tasks
//! itself, with `loop.create_task`, before its future starts, while the
//! call from Python still holds the GIL.
//!
//! Dropping the future `into_future` returned does not cancel the task
//! behind it: the task runs on, and its result is thrown away
//! ([cancellation](cancellation.md)). `try_join_all` drops the other futures
//! when one fails, and `lookup_all` itself is dropped when the Python that
//! awaits it is cancelled. So the future keeps the tasks in a guard that,
//! if the future is dropped before it finished, cancels every one, as a
//! `TaskGroup` does when it is cancelled. `Drop` runs on a Tokio thread:
//! it takes the GIL with `Python::try_attach` (which gives up rather than
//! panics while the interpreter shuts down), and asks the loop to cancel
//! each task with `call_soon_threadsafe`, since only the loop's own thread
//! may touch its tasks. Hold the GIL on a Tokio thread only that briefly:
//! while it does, the event loop can't run ([gil](gil.md)).
//!
//! The results are Python objects (`Py<PyAny>`, which a Rust future may own
//! and send between threads), returned as a list; an exception a coroutine
//! raises comes back as the `Err` of its future, and `?` passes it on
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
