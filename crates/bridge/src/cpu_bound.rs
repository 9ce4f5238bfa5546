//! CPU-bound work off the event loop: Rust's `spawn_blocking` against
//! asyncio's `run_in_executor`, both awaited while a heartbeat on the loop
//! keeps time.
//!
//! `count_primes` computes in `spawn_blocking` and never takes the GIL, so the
//! loop runs on, and two jobs compute side by side, each on a thread of its
//! own: on two cores, where the machine has two free. Cancelling the awaitable
//! drops the future, not the job; a long job checks a flag its future sets
//! when dropped. asyncio's `run_in_executor` keeps the loop responsive too,
//! but the pure-Python function holds the GIL, so it shares one core with the
//! loop (hence `ProcessPoolExecutor`). `count_primes_blocking`, called on the
//! loop, holds it up, and two of them on executor threads take turns. The
//! lesson prints how long the loop was held up and how many jobs computed at
//! once, not how long each took, which depends on how busy the machine is.
//! So that "kept running" means the loop ran while a job was under way, and
//! not how soon a busy machine ended the job, a job the lesson arms waits
//! halfway for the loop's heartbeat to tick a few times: a gate the
//! heartbeat opens. A job that holds the GIL there holds the loop too, no
//! tick comes, and it waits out `GATE_PATIENCE` to be called "held up".

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

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
        tokio::task::spawn_blocking(move || noting_overlap(|| primes_below(limit, &stopped)))
            .await
            .map_err(|error| PyRuntimeError::new_err(error.to_string()))?
            .ok_or_else(|| PyRuntimeError::new_err("stopped"))
    })
}

/// The same, computed in the calling thread, holding the GIL.
#[pyfunction]
fn count_primes_blocking(limit: u64) -> u64 {
    noting_overlap(|| primes_below(limit, &AtomicBool::new(false))).unwrap_or_default()
}

/// The number of primes below `limit`, by trial division: deliberately
/// plain CPU work, the same as the Python version's. `None` if `stop` was
/// set before it finished. Halfway, it goes through the lesson's gate.
fn primes_below(limit: u64, stop: &AtomicBool) -> Option<u64> {
    let mut count = 0;
    for n in 2..limit {
        if n == limit / 2 {
            through_the_gate();
        }
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

// What only feeds the demonstration: how many counts computed at once.
static COUNTING: AtomicUsize = AtomicUsize::new(0);
static MOST_AT_ONCE: AtomicUsize = AtomicUsize::new(0);

/// Runs `count`, noting how many counts are computing meanwhile.
fn noting_overlap<T>(count: impl FnOnce() -> T) -> T {
    let at_once = COUNTING.fetch_add(1, Ordering::SeqCst) + 1;
    MOST_AT_ONCE.fetch_max(at_once, Ordering::SeqCst);
    let counted = count();
    COUNTING.fetch_sub(1, Ordering::SeqCst);
    counted
}

// And the gate that holds a job halfway until the loop shows that it runs
// meanwhile: the lesson's heartbeat opens it after a few ticks, or as it
// ends, cancelled too.
static HELD: Mutex<bool> = Mutex::new(false);
static OPENED: Condvar = Condvar::new();

/// How long a job waits at a shut gate: only a loop that does not run,
/// held by the job itself or by another, leaves it shut so long.
const GATE_PATIENCE: Duration = Duration::from_secs(10);

fn through_the_gate() {
    let held = HELD.lock().unwrap_or_else(PoisonError::into_inner);
    let _ = OPENED.wait_timeout_while(held, GATE_PATIENCE, |held| *held);
}

/// Shuts the gate: the next jobs wait halfway for `open_gate`.
#[pyfunction]
fn shut_gate() {
    *HELD.lock().unwrap_or_else(PoisonError::into_inner) = true;
}

#[pyfunction]
fn open_gate() {
    *HELD.lock().unwrap_or_else(PoisonError::into_inner) = false;
    OPENED.notify_all();
}

/// The most counts that computed at once since the last call.
#[pyfunction]
fn most_at_once() -> usize {
    MOST_AT_ONCE.swap(0, Ordering::SeqCst)
}

pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(most_at_once, module)?)?;
    module.add_function(wrap_pyfunction!(shut_gate, module)?)?;
    module.add_function(wrap_pyfunction!(open_gate, module)?)?;
    module.add_function(wrap_pyfunction!(count_primes, module)?)?;
    module.add_function(wrap_pyfunction!(count_primes_blocking, module)?)
}
