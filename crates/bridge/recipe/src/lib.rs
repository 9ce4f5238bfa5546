//! `hot_path`: the hot path of an asyncio service, moved to Rust. `await
//! count_primes(limit)` counts on Tokio's blocking threads without the GIL,
//! so the event loop runs on and several requests use several cores; the
//! count stops when the caller stops waiting, and the exit waits for the
//! Tokio threads still handing results to Python.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3_async_runtimes::TaskLocals;
use pyo3_async_runtimes::generic::{ContextExt, Runtime};

/// `await count_primes(limit)`: how many primes are below `limit`.
#[pyfunction]
fn count_primes(py: Python<'_>, limit: u64) -> PyResult<Bound<'_, PyAny>> {
    if limit > MAX_LIMIT {
        return Err(PyValueError::new_err(format!(
            "limit {limit} is above {MAX_LIMIT}"
        )));
    }
    if lock(&HANDOVERS).exiting {
        return Err(PyRuntimeError::new_err(
            "Python is exiting: no result could be handed over",
        ));
    }
    let stop = StopOnDrop(Arc::new(AtomicBool::new(false)));
    let stopped = Arc::clone(&stop.0);
    pyo3_async_runtimes::generic::future_into_py::<CountedTokio, _, _>(py, async move {
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

/// pyo3-async-runtimes' Tokio runtime, through its generic API, to count the
/// jobs that hand results over: each attaches to Python, on a blocking
/// thread, and one that does so as the interpreter finalizes panics or
/// kills the process.
struct CountedTokio;

impl Runtime for CountedTokio {
    type JoinError = tokio::task::JoinError;
    type JoinHandle = tokio::task::JoinHandle<()>;

    fn spawn<F>(future: F) -> Self::JoinHandle
    where
        F: Future<Output = ()> + Send + 'static,
    {
        pyo3_async_runtimes::tokio::get_runtime().spawn(future)
    }

    /// pyo3-async-runtimes spawns a blocking job only to hand a result over,
    /// or to see that its awaitable was cancelled; after the exit hook it is
    /// dropped unrun.
    fn spawn_blocking<F>(handover: F) -> Self::JoinHandle
    where
        F: FnOnce() + Send + 'static,
    {
        pyo3_async_runtimes::tokio::get_runtime().spawn_blocking(move || {
            if let Some(_under_way) = HandingOver::start() {
                handover();
            }
        })
    }
}

tokio::task_local! {
    static TASK_LOCALS: TaskLocals;
}

/// Where the future finds its event loop and context: the `generic`
/// module's functions with `CountedTokio` look here, the `tokio` module's
/// (`into_future`) in a task-local of their own, which is not set.
impl ContextExt for CountedTokio {
    fn scope<F, R>(locals: TaskLocals, future: F) -> Pin<Box<dyn Future<Output = R> + Send>>
    where
        F: Future<Output = R> + Send + 'static,
    {
        Box::pin(TASK_LOCALS.scope(locals, future))
    }

    fn get_task_locals() -> Option<TaskLocals> {
        TASK_LOCALS.try_with(TaskLocals::clone).ok()
    }
}

/// The handovers under way, and whether Python has begun to exit, after
/// which none starts.
struct Handovers {
    under_way: usize,
    exiting: bool,
}

static HANDOVERS: Mutex<Handovers> = Mutex::new(Handovers {
    under_way: 0,
    exiting: false,
});
static HANDOVER_ENDED: Condvar = Condvar::new();

/// One handover under way, until dropped.
struct HandingOver;

impl HandingOver {
    fn start() -> Option<Self> {
        let mut handovers = lock(&HANDOVERS);
        if handovers.exiting {
            return None;
        }
        handovers.under_way += 1;
        Some(Self)
    }
}

impl Drop for HandingOver {
    fn drop(&mut self) {
        lock(&HANDOVERS).under_way -= 1;
        HANDOVER_ENDED.notify_all();
    }
}

/// Registered with `atexit`, which runs before the interpreter finalizes:
/// no handover starts after it, and it waits for those under way, without
/// the GIL, which they need to finish. That takes them microseconds once
/// they run; the limit bounds the exit should one never finish. What it
/// gives up: a result due later is dropped, so an `atexit` hook that runs
/// after it (one registered before the import) and awaits a count waits
/// for ever.
#[pyfunction]
fn finish_handovers(py: Python<'_>) {
    // A process forked from the one that imported the module has none of
    // its Tokio threads: nothing is under way, whatever the count it copied
    // says, and the lock may be held by a thread it did not get.
    if IMPORTED_BY.get() != Some(&std::process::id()) {
        return;
    }
    let left = py.detach(|| {
        let mut handovers = lock(&HANDOVERS);
        handovers.exiting = true;
        let (handovers, _) = HANDOVER_ENDED
            .wait_timeout_while(handovers, EXIT_LIMIT, |h| h.under_way > 0)
            .unwrap_or_else(PoisonError::into_inner);
        handovers.under_way
    });
    if left > 0 {
        eprintln!("hot_path: {left} results still being handed to Python at exit");
    }
}

const EXIT_LIMIT: Duration = Duration::from_secs(5);

/// The process that imported the module and registered the hook.
static IMPORTED_BY: OnceLock<u32> = OnceLock::new();

fn lock(handovers: &Mutex<Handovers>) -> MutexGuard<'_, Handovers> {
    // Nothing panics while it is held.
    handovers.lock().unwrap_or_else(PoisonError::into_inner)
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

    IMPORTED_BY.get_or_init(std::process::id);
    let at_exit = wrap_pyfunction!(finish_handovers, module)?;
    let atexit = module.py().import("atexit")?;
    atexit.call_method1("register", (at_exit,))?;
    module.add_function(wrap_pyfunction!(count_primes, module)?)
}
