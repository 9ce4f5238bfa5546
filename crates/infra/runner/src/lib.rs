//! The runner every section binary shares: `runner::section![...].run()` is
//! a section's whole `main`. Example files never import it.

pub mod dump;

mod cli;
mod line_instants;
pub mod own_time;
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

/// How many threads the process runs, as `Threads:` in /proc/self/status
/// says (Linux, as task dumps are): not a listing of /proc/self/task, which
/// can miss a live thread while another one exits. `None` if it can't be read.
pub(crate) fn threads() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let count = status
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))?;
    count.trim().parse().ok()
}

/// A mutex's data even if a thread panicked while it held it: a panic in an
/// example or a hook leaves the runner's records and reports usable.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    /// A dump's first line is protocol's `seconds` (the tools read it back),
    /// the times in its body and the runner's messages are task-dump's: two
    /// copies, as protocol has no Tokio and task-dump is exported alone, so
    /// they must agree.
    #[test]
    fn protocol_and_task_dump_print_seconds_alike() {
        let times = [0, 1, 10, 100, 250, 1_000, 1_500, 61_250, 3_600_000];
        for time in times
            .map(Duration::from_millis)
            .into_iter()
            .chain([Duration::from_micros(1_500)])
        {
            assert_eq!(task_dump::seconds(time), protocol::dump::seconds(time));
        }
    }
}
