//! Shutdown: the Tokio runtime lives as long as the process, each event
//! loop only as long as its `asyncio.run()`; a Rust task that nothing waits
//! for outlives its loop, and a worker that Python closes leaves none
//! behind.
//!
//! pyo3-async-runtimes' runtime is a `static`, never shut down, and does
//! nothing at exit: a task spawned on it runs on into the next event loop,
//! and a result that arrives after its loop closed gets "Event loop is
//! closed". So `Worker` owns its tasks in a `TaskTracker` and its bounded
//! queue's only sender, and `close()` drops the sender and waits for the
//! tasks, as a service's queue, sentinel and `await task` do. The rule: await
//! or cancel every awaitable from Rust before its event loop ends. A result
//! that lands as the interpreter finalizes attaches to Python then, and
//! CPython 3.11 to 3.13 end a thread that takes the GIL back during
//! finalization in the middle of its Rust frames: in the hot-path recipe's
//! runs the process died of a segfault, or on 3.11 of an abort that prints
//! `Fatal Python error: PyGILState_Release: thread state 0x… must be
//! current when releasing` (under `-X faulthandler`, which pytest turns on:
//! `Fatal Python error: Segmentation fault`). CPython 3.14 blocks such a
//! thread instead ([cpython#87135](https://github.com/python/cpython/issues/87135)),
//! which we have not tried; [pyo3-async-runtimes#40](https://github.com/PyO3/pyo3-async-runtimes/issues/40)
//! reports the same crash. `atexit` runs `let_tokio_threads_leave_python`,
//! which releases the GIL for 50 ms, for the handovers under way as these
//! lessons' programs end; one that a busy machine holds up longer, or that
//! starts later, can still crash it. A service needs the hot-path recipe's
//! hook, which counts the handovers, waits for exactly those under way and
//! turns away the rest.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pyo3::exceptions::{PyRuntimeError, PyTimeoutError, PyValueError};
use pyo3::prelude::*;
use tokio::sync::mpsc;
use tokio_util::task::TaskTracker;

/// A background worker on the Tokio runtime that Python starts and closes.
#[pyclass(frozen)]
struct Worker {
    /// `None` once closed.
    queue: Mutex<Option<mpsc::Sender<String>>>,
    tasks: TaskTracker,
    done: Arc<Mutex<Vec<String>>>,
}

#[pymethods]
impl Worker {
    #[new]
    fn new() -> Self {
        let (queue, mut items) = mpsc::channel::<String>(16);
        let done = Arc::new(Mutex::new(Vec::new()));
        let tasks = TaskTracker::new();
        let finished = Arc::clone(&done);
        let runtime = pyo3_async_runtimes::tokio::get_runtime();
        tasks.spawn_on(
            async move {
                // Ends once the queue is closed and empty.
                while let Some(item) = items.recv().await {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    if let Ok(mut finished) = finished.lock() {
                        finished.push(item);
                    }
                }
            },
            runtime.handle(),
        );
        Self {
            queue: Mutex::new(Some(queue)),
            tasks,
            done,
        }
    }

    /// Queues an item; an error if the worker is closed or its queue full.
    fn submit(&self, item: String) -> PyResult<()> {
        let queue = self
            .queue
            .lock()
            .map_err(|_| PyRuntimeError::new_err("the worker's lock is poisoned"))?;
        let queue = queue
            .as_ref()
            .ok_or_else(|| PyRuntimeError::new_err("the worker is closed"))?;
        queue
            .try_send(item)
            .map_err(|error| PyRuntimeError::new_err(format!("cannot queue: {error}")))
    }

    /// `await worker.close()`: finishes the queued items and waits (at most
    /// 5 s) for every task to end. Closing again waits again.
    fn close<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let closed = self.closing();
        pyo3_async_runtimes::tokio::future_into_py(py, closed)
    }

    /// The items done so far, in order.
    fn done(&self) -> PyResult<Vec<String>> {
        self.done
            .lock()
            .map(|done| done.clone())
            .map_err(|_| PyRuntimeError::new_err("the worker's lock is poisoned"))
    }

    /// How many of its tasks are still running.
    fn running(&self) -> usize {
        self.tasks.len()
    }

    fn __aenter__<'py>(slf: Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let worker = slf.unbind();
        pyo3_async_runtimes::tokio::future_into_py(py, async move { Ok(worker) })
    }

    /// Closes the worker, and lets any exception of the block through
    /// (`False`).
    fn __aexit__<'py>(
        &self,
        py: Python<'py>,
        _exc_type: Bound<'py, PyAny>,
        _exc: Bound<'py, PyAny>,
        _traceback: Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let closed = self.closing();
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            closed.await?;
            Ok(false)
        })
    }
}

impl Worker {
    /// Closes the queue and the tracker; the future waits for the tasks.
    fn closing(&self) -> impl Future<Output = PyResult<()>> + Send + 'static {
        if let Ok(mut queue) = self.queue.lock() {
            queue.take();
        }
        self.tasks.close();
        let tasks = self.tasks.clone();
        async move {
            tokio::time::timeout(Duration::from_secs(5), tasks.wait())
                .await
                .map_err(|_| PyTimeoutError::new_err("the worker's tasks did not end within 5 s"))
        }
    }
}

/// Rust tasks started by `spawn_detached` and still running.
static DETACHED: AtomicUsize = AtomicUsize::new(0);

/// Starts a Rust task that sleeps for `seconds`, and waits for nothing: the
/// mistake `Worker` avoids.
#[pyfunction]
fn spawn_detached(seconds: f64) -> PyResult<()> {
    let duration = duration(seconds)?;
    DETACHED.fetch_add(1, Ordering::SeqCst);
    pyo3_async_runtimes::tokio::get_runtime().spawn(async move {
        tokio::time::sleep(duration).await;
        DETACHED.fetch_sub(1, Ordering::SeqCst);
    });
    Ok(())
}

/// How many tasks `spawn_detached` started are still running.
#[pyfunction]
fn detached_running() -> usize {
    DETACHED.load(Ordering::SeqCst)
}

/// `await sleep(seconds)`, in Tokio.
#[pyfunction]
fn sleep(py: Python<'_>, seconds: f64) -> PyResult<Bound<'_, PyAny>> {
    let duration = duration(seconds)?;
    pyo3_async_runtimes::tokio::future_into_py(py, async move {
        tokio::time::sleep(duration).await;
        Ok(())
    })
}

/// Registered with `atexit` when the module is imported, so it runs before
/// the interpreter starts to finalize: releases the GIL for a moment, for a
/// Tokio thread handing a result over, or looking at a cancelled awaitable,
/// to be done with Python. Required even when everything was awaited, for
/// the handovers still under way; it cannot wait for one that starts later,
/// which is why everything is awaited or cancelled before this.
#[pyfunction]
fn let_tokio_threads_leave_python(py: Python<'_>) {
    py.detach(|| std::thread::sleep(EXIT_GRACE));
}

/// How long Tokio's threads get at exit to be done with Python: a handover
/// under way needs microseconds, once the operating system runs its thread;
/// one that starts later is not waited for.
const EXIT_GRACE: Duration = Duration::from_millis(50);

fn duration(seconds: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(seconds)
        .map_err(|error| PyValueError::new_err(format!("{seconds} seconds: {error}")))
}

pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let at_exit = wrap_pyfunction!(let_tokio_threads_leave_python, module)?;
    module
        .py()
        .import("atexit")?
        .call_method1("register", (at_exit,))?;
    module.add_class::<Worker>()?;
    module.add_function(wrap_pyfunction!(spawn_detached, module)?)?;
    module.add_function(wrap_pyfunction!(detached_running, module)?)?;
    module.add_function(wrap_pyfunction!(sleep, module)?)
}
