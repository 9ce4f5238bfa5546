//! The runner every section binary shares: `runner::section![...].run()` is
//! a section's whole `main`. Example files never import it.

pub mod dump;

mod cli;
mod held_up;
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

use std::sync::{Mutex, MutexGuard, PoisonError, TryLockError};
use std::time::{Duration, Instant};

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

/// As [`lock`], but `None` if the mutex is still held after `patience`: for
/// a thread that must not hang on another that is stuck.
pub(crate) fn lock_within<T>(mutex: &Mutex<T>, patience: Duration) -> Option<MutexGuard<'_, T>> {
    let deadline = Instant::now() + patience;
    loop {
        match mutex.try_lock() {
            Ok(guard) => return Some(guard),
            Err(TryLockError::Poisoned(poisoned)) => return Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(TryLockError::WouldBlock) => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Barrier, Mutex};
    use std::time::Duration;

    /// A lock another thread holds for a moment is waited for; one held
    /// past the patience is given up on. (The watchdog took the records only
    /// if free, and left out a blocked worker when a hook had them.)
    #[test]
    fn a_lock_held_for_a_moment_is_waited_for_and_one_held_on_is_given_up() {
        let records = Arc::new(Mutex::new(()));
        let (held, release) = (Arc::new(Barrier::new(2)), Arc::new(Barrier::new(2)));
        let holder = {
            let (records, held, release) = (records.clone(), held.clone(), release.clone());
            std::thread::spawn(move || {
                let _guard = records.lock().unwrap();
                held.wait();
                release.wait();
                std::thread::sleep(Duration::from_millis(50));
            })
        };
        held.wait();
        assert!(super::lock_within(&records, Duration::from_millis(10)).is_none());
        release.wait();
        assert!(super::lock_within(&records, Duration::from_secs(60)).is_some());
        holder.join().unwrap();
    }

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
