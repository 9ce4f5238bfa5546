//! The runner every section binary shares: `runner::section![...].run()` is
//! a section's whole `main`. Example files never import it.

pub mod dump;

mod cli;
mod record;
mod section;
pub mod signals;
mod sweep;
mod tasks;
mod watch;
mod whole_file;

pub use section::{Entry, Example, ExampleFuture, ExampleOutput, Section};
pub use tasks::Tasks;

use std::sync::{Mutex, MutexGuard, PoisonError};

/// A mutex's data even if a thread panicked while it held it: a panic in an
/// example or a hook leaves the runner's records and reports usable.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
