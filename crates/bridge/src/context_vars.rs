//! contextvars across the boundary: a Python function that Rust calls from
//! a Tokio thread sees the caller's `ContextVar`s only when Rust runs it in a
//! copy of the caller's context, taken in the `#[pyfunction]`.
//!
//! Rust sees no contextvars. A coroutine Rust awaits runs as an asyncio task,
//! in a copy of the context its call was made in, as `create_task` would run
//! it; a Python function Rust calls from a Tokio thread, where GIL work goes
//! ([errors](errors.md)), runs in that thread's own context, which is empty.
//! pyo3-async-runtimes keeps the caller's event loop and a copy of its
//! context in `TaskLocals`, but `get_current_locals(py)` finds them only in
//! the `#[pyfunction]`, on the loop's thread, and inside the future; on a
//! `spawn_blocking` thread it looks for a running loop, and raises "no
//! running event loop". Nor may the calls share the one context: a `Context`
//! is entered by one thread at a time, so a second call at once raises
//! "cannot enter context". pyo3-async-runtimes also starts each coroutine
//! the future awaits (`into_future`) in that context: one started while a
//! call is in it never runs, the loop logs the same error, and the await
//! hangs until the garbage collector frees the callback, then raises
//! `CancelledError`. So `call_each` takes the locals in the `#[pyfunction]`
//! and runs each call in a copy of their context (`context.copy().run`),
//! and every call sees the caller's request id.

use futures::future::{OptionFuture, try_join_all};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3_async_runtimes::TaskLocals;

/// The context each call of `call_each` runs in; the last is the one that
/// works.
#[pyclass(
    eq,
    eq_int,
    frozen,
    from_py_object,
    rename_all = "SCREAMING_SNAKE_CASE"
)]
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    /// The Tokio thread's own, empty.
    Thread,
    /// `get_current_locals(py)?.context(py)`, looked up on the Tokio thread.
    LocalsOnThread,
    /// The caller's, taken in the `#[pyfunction]` and shared by every call.
    Shared,
    /// A copy of the caller's for each call.
    Copied,
}

/// `await call_each(function, names, context, awaiting=None)`:
/// `[function(name) for name in names]`, all at once, each on a Tokio
/// blocking thread, while the future awaits the coroutine `awaiting`; the
/// calls' results and the coroutine's. As with `gather`, the first exception
/// is raised at once and the rest run on (a blocking thread can't be
/// stopped), as they do if the caller stops waiting: the coroutine too,
/// unless its task is owned as `await_python`'s `CancelOnDrop` owns them.
#[pyfunction]
#[pyo3(signature = (function, names, context, awaiting=None))]
fn call_each<'py>(
    py: Python<'py>,
    function: Bound<'py, PyAny>,
    names: Vec<String>,
    context: Context,
    awaiting: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    // On the loop's thread, in the caller's task: its event loop and a copy
    // of its context, which `future_into_py` would take too.
    let locals = pyo3_async_runtimes::tokio::get_current_locals(py)?;
    let awaited = awaiting
        .map(|coroutine| pyo3_async_runtimes::into_future_with_locals(&locals, coroutine))
        .transpose()?;
    let calls: Vec<_> = names
        .into_iter()
        .map(|name| (function.clone().unbind(), name, locals.clone()))
        .collect();
    pyo3_async_runtimes::tokio::future_into_py_with_locals(py, locals, async move {
        let calls = calls
            .into_iter()
            .map(|(function, name, locals)| async move {
                // The GIL is waited for on a blocking thread, never on a worker.
                tokio::task::spawn_blocking(move || {
                    Python::attach(|py| call(function.bind(py), &name, context, &locals))
                })
                .await
                .map_err(|error| PyRuntimeError::new_err(error.to_string()))?
            });
        let awaited = async { OptionFuture::from(awaited).await.transpose() };
        tokio::try_join!(try_join_all(calls), awaited)
    })
}

/// `function(name)`, in the context `context` says.
fn call(
    function: &Bound<'_, PyAny>,
    name: &str,
    context: Context,
    locals: &TaskLocals,
) -> PyResult<Py<PyAny>> {
    let py = function.py();
    let result = match context {
        Context::Thread => function.call1((name,)),
        Context::LocalsOnThread => pyo3_async_runtimes::tokio::get_current_locals(py)?
            .context(py)
            .call_method1("run", (function, name)),
        Context::Shared => locals.context(py).call_method1("run", (function, name)),
        Context::Copied => locals
            .context(py)
            .call_method0("copy")?
            .call_method1("run", (function, name)),
    };
    result.map(Bound::unbind)
}

pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<Context>()?;
    module.add_function(wrap_pyfunction!(call_each, module)?)
}
