//! Where is each task of my program waiting? A task dump on SIGUSR1 (or
//! from a watchdog), printed on stderr as one short list of your own code's
//! frames per task.
//!
//! In asyncio, `asyncio.all_tasks()` and `task.print_stack()` (3.14: `python
//! -m asyncio pstree PID`). Tokio's `Handle::dump` needs these lines in your
//! project, and exists only on Linux (x86, x86_64, aarch64, s390x):
//!
//! ```toml
//! # Cargo.toml
//! [target.'cfg(target_os = "linux")'.dependencies]
//! tokio = { version = "1.54", features = ["taskdump"] }
//!
//! [lints.rust]
//! unexpected_cfgs = { level = "warn", check-cfg = ["cfg(tokio_unstable)"] }
//! ```
//!
//! ```toml
//! # .cargo/config.toml
//! [build]
//! rustflags = ["--cfg", "tokio_unstable"]
//! ```
//!
//! A release build needs debug info for files and lines (`debug =
//! "line-tables-only"`). Elsewhere, or without those lines, `TaskDumps` says
//! why there is no dump; tokio-console shows each task's state everywhere.
//! See the book's page "Why is my program stuck?".
//!
//! What not to undo when you copy it:
//! - The time limit on each dump: a dump waits for every worker, and one
//!   stuck in a blocking call never answers.
//! - One dump at a time (`TaskDumps` waits again for one that outlived its
//!   limit): on the multi-thread runtime a second spins a core, and Tokio
//!   1.54 can wedge a worker once a dump gave up (tokio-rs/tokio#8370).
//! - The write on the blocking pool: a write to a pipe no one reads waits
//!   for room, and on a worker it would stop the runtime it reports on.

use std::io::{self, Write};
use std::sync::Arc;
use std::time::Duration;

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{Mutex, oneshot};
use tokio::time::timeout;
use tokio_util::task::AbortOnDropHandle;

/// Writes a task dump to `out` (`std::io::stderr()`, say) each time the
/// process gets SIGUSR1 (`kill -USR1 PID`), until the returned handle is
/// dropped.
pub fn dump_on_sigusr1(out: impl Write + Send + 'static) -> io::Result<AbortOnDropHandle<()>> {
    // Registered now: until then, SIGUSR1 ends the process.
    let mut user_signal = signal(SignalKind::user_defined1())?;
    Ok(AbortOnDropHandle::new(tokio::spawn(async move {
        let mut dumps = TaskDumps::default();
        let mut out = out;
        while user_signal.recv().await.is_some() {
            let text = format!("SIGUSR1: {}", dumps.dump().await);
            // A write waits while its pipe is full: on the blocking pool it
            // holds this task, never a worker.
            let written = tokio::task::spawn_blocking(move || {
                // Nowhere to report a dump that could not be written.
                let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
                out
            });
            match written.await {
                Ok(back) => out = back,
                Err(_panicked) => break,
            }
        }
    })))
}

pub use dumps::TaskDumps;

/// Where Tokio has task dumps: on these platforms, with `--cfg
/// tokio_unstable` and its `taskdump` feature (see the header).
#[cfg(all(
    tokio_unstable,
    target_os = "linux",
    any(
        target_arch = "aarch64",
        target_arch = "x86",
        target_arch = "x86_64",
        target_arch = "s390x"
    )
))]
mod dumps {
    use std::path::Path;
    use std::pin::Pin;
    use std::time::Duration;

    use tokio::runtime::dump::{Backtrace, BacktraceSymbol};
    use tokio::runtime::{Dump, Handle};
    use tokio::time::timeout;

    /// Task dumps of the current runtime, one at a time.
    #[derive(Default)]
    pub struct TaskDumps {
        /// A dump that outlived its wait. On the multi-thread runtime it
        /// runs on, on a thread of its own, and a second would spin a core
        /// until it ends; so the next request waits for this one instead.
        in_flight: Option<Pin<Box<dyn Future<Output = Dump> + Send>>>,
    }

    impl TaskDumps {
        /// Every task of the current runtime, each with the frames of your
        /// own code it waits in, outermost first, and the library call it
        /// waits in. The future `block_on` drives (the body of `main`) is
        /// not a task and is not in it.
        pub async fn dump(&mut self) -> String {
            let in_flight = self.in_flight.get_or_insert_with(|| {
                let handle = Handle::current();
                Box::pin(async move { handle.dump().await })
            });
            // Tokio's docs: a dump waits for every worker, so give it a limit.
            let Ok(dump) = timeout(Duration::from_secs(2), in_flight).await else {
                return "no task dump: a worker did not answer within 2s; the next request waits \
                        for this dump\n"
                    .into();
            };
            self.in_flight = None;
            resolve(dump).await
        }
    }

    async fn resolve(dump: Dump) -> String {
        // Reading the debug info takes milliseconds to seconds: not on a worker.
        let resolved = tokio::task::spawn_blocking(move || {
            let mut text = format!("{} tasks\n", dump.tasks().iter().count());
            for task in dump.tasks().iter() {
                text.push_str(&format!("task {}:\n", task.id()));
                for backtrace in task.trace().resolve_backtraces() {
                    text.push_str(&readable(&backtrace));
                }
            }
            text
        })
        .await;
        resolved.unwrap_or_else(|error| format!("no task dump: {error}\n"))
    }

    /// One backtrace of a waiting task: the frames of files of this project
    /// (paths relative to it, or under it), outermost first, then the first
    /// frame past the last of them, which is what the task waits in.
    fn readable(backtrace: &Backtrace) -> String {
        let own = |file: &Path| file.is_relative() || file.starts_with(env!("CARGO_MANIFEST_DIR"));
        // Frames come innermost first, and so do the symbols inlined in one.
        let mut symbols: Vec<_> = backtrace
            .frames()
            .flat_map(|frame| frame.symbols())
            .collect();
        symbols.reverse();
        let Some(last_own) = symbols.iter().rposition(|s| s.filename().is_some_and(own)) else {
            // Without debug info, function names are still there: a task
            // that runs none of this crate's is a library's.
            let ours = concat!(env!("CARGO_CRATE_NAME"), "::");
            let ours = |name: &str| name.trim_start_matches(['<', '&']).starts_with(ours);
            return if symbols.iter().any(|s| s.name_demangled().is_some_and(ours)) {
                "  (no frame of this project's files: is it built without debug info?)\n".into()
            } else {
                "  (a library's task: none of its functions is this project's)\n".into()
            };
        };
        let name = |symbol: &BacktraceSymbol| {
            let name = symbol.name_demangled().unwrap_or("?");
            // Drop the hash legacy mangling appends (`::h0123456789abcdef`).
            let name = match name.rsplit_once("::h") {
                Some((path, hash)) if hash.len() == 16 => path,
                _ => name,
            };
            name.replace("::{{closure}}", "")
                .replace("core::future::future::Future", "Future")
        };
        let mut text = String::new();
        for symbol in symbols[..=last_own]
            .iter()
            .filter(|s| s.filename().is_some_and(own))
        {
            let file = symbol
                .filename()
                .and_then(|file| file.file_name())
                .unwrap_or_default();
            text.push_str(&format!(
                "  in {} at {}:{}\n",
                name(symbol),
                file.to_string_lossy(),
                symbol.lineno().unwrap_or(0)
            ));
        }
        if let Some(waits_in) = symbols.get(last_own + 1) {
            text.push_str(&format!("  waiting in {}\n", name(waits_in)));
        }
        text
    }
}

#[cfg(not(all(
    tokio_unstable,
    target_os = "linux",
    any(
        target_arch = "aarch64",
        target_arch = "x86",
        target_arch = "x86_64",
        target_arch = "s390x"
    )
)))]
mod dumps {
    #[derive(Default)]
    pub struct TaskDumps;

    impl TaskDumps {
        /// Why there is no dump here.
        pub async fn dump(&mut self) -> String {
            "no task dump: it needs Linux and `--cfg tokio_unstable` with tokio's `taskdump` \
             feature (a `RUSTFLAGS` variable replaces the rustflags of `.cargo/config.toml`)\n"
                .into()
        }
    }
}

pub async fn run() -> io::Result<()> {
    let _dumper = dump_on_sigusr1(io::stderr())?;

    // A task that holds the ledger while it waits for an approval, and the
    // approver, which needs the ledger first: neither can go on.
    let ledger = Arc::new(Mutex::new(Vec::<&str>::new()));
    let (approve, approval) = oneshot::channel::<()>();
    let mut booking = AbortOnDropHandle::new(tokio::spawn(book(ledger.clone(), approval)));
    let mut approver = AbortOnDropHandle::new(tokio::spawn(approve_next(ledger, approve)));
    println!("booking and approving");

    // From outside the program, `kill -USR1 PID` does the same.
    println!("sending SIGUSR1 to this process: a task dump goes to stderr");
    signal_hook::low_level::raise(signal_hook::consts::SIGUSR1)?;

    let work = async { tokio::join!(&mut booking, &mut approver) };
    match timeout(Duration::from_secs(1), work).await {
        Ok(_) => println!("booked and approved"),
        // A watchdog can send SIGUSR1 here: one task takes every dump.
        Err(_elapsed) => println!("no progress within 1s: giving up"),
    }
    Ok(()) // dropping the handles aborts the stuck tasks
}

async fn book(ledger: Arc<Mutex<Vec<&'static str>>>, approval: oneshot::Receiver<()>) {
    let mut entries = ledger.lock().await;
    if approval.await.is_ok() {
        entries.push("booking");
    }
}

async fn approve_next(ledger: Arc<Mutex<Vec<&'static str>>>, approve: oneshot::Sender<()>) {
    let entries = ledger.lock().await;
    if entries.len() < 100 {
        let _ = approve.send(());
    }
}

#[cfg(test)]
mod tests {
    use futures::FutureExt;

    use super::*;

    /// The dump names each stuck task's own frames and what it waits in.
    #[cfg(all(tokio_unstable, target_os = "linux", target_arch = "x86_64"))]
    #[tokio::test]
    async fn the_dump_shows_where_each_task_waits() {
        let ledger = Arc::new(Mutex::new(Vec::new()));
        let (approve, approval) = oneshot::channel();
        let _booking = AbortOnDropHandle::new(tokio::spawn(book(ledger.clone(), approval)));
        tokio::task::yield_now().await;
        let _approver = AbortOnDropHandle::new(tokio::spawn(approve_next(ledger, approve)));
        let _library =
            AbortOnDropHandle::new(tokio::spawn(tokio::time::sleep(Duration::from_secs(9))));
        tokio::task::yield_now().await;
        let dump = TaskDumps::default().dump().await;
        assert!(dump.starts_with("3 tasks\n"), "{dump}");
        for wait in [
            "  (a library's task: none of its functions is this project's)\n",
            "dump_stuck_tasks::book at dump_stuck_tasks.rs:",
            "  waiting in <tokio::sync::oneshot::Receiver<T> as Future>::poll\n",
            "dump_stuck_tasks::approve_next at dump_stuck_tasks.rs:",
            "  waiting in tokio::sync::mutex::Mutex<T>::lock\n",
        ] {
            assert!(dump.contains(wait), "no {wait:?} in\n{dump}");
        }
    }

    /// A writer that blocks, as a pipe no one reads does, until it is
    /// released, for 2 s at most; it reports whether it was released.
    struct Stuck {
        started: Option<oneshot::Sender<()>>,
        release: std::sync::mpsc::Receiver<()>,
        released: Option<oneshot::Sender<bool>>,
    }

    impl Write for Stuck {
        fn write(&mut self, text: &[u8]) -> io::Result<usize> {
            if let Some(started) = self.started.take() {
                let _ = started.send(());
            }
            let released = self.release.recv_timeout(Duration::from_secs(2));
            if let Some(report) = self.released.take() {
                let _ = report.send(released.is_ok());
            }
            Ok(text.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// A stderr that blocks holds the dumping task only: the runtime goes
    /// on, and here releases it.
    #[tokio::test]
    async fn a_write_that_blocks_stops_no_worker() {
        let (started, has_started) = oneshot::channel();
        let (release, to_release) = std::sync::mpsc::channel();
        let (released, was_released) = oneshot::channel();
        let stuck = Stuck {
            started: Some(started),
            release: to_release,
            released: Some(released),
        };
        let _dumper = dump_on_sigusr1(stuck).unwrap();
        signal_hook::low_level::raise(signal_hook::consts::SIGUSR1).unwrap();
        has_started.await.unwrap();
        release.send(()).unwrap();
        assert!(was_released.await.unwrap(), "the write held the runtime");
    }

    /// How many threads of this process are named `name`. A listing of
    /// `/proc/self/task` can miss a live thread when one listed before it
    /// exits meanwhile, and the other tests in this process start and end
    /// threads all the time: so count the ids seen in any of several.
    #[cfg(all(tokio_unstable, target_os = "linux", target_arch = "x86_64"))]
    fn threads_named(name: &str) -> usize {
        let mut named = std::collections::BTreeSet::new();
        for _ in 0..8 {
            for task in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
                let comm = std::fs::read_to_string(task.path().join("comm"));
                if comm.is_ok_and(|comm| comm.trim_end() == name) {
                    named.insert(task.file_name());
                }
            }
        }
        named.len()
    }

    /// A second request while a dump is in flight waits for that one
    /// rather than starting another, on the multi-thread runtime, where
    /// each dump runs on a thread of its own. A thread takes the name of
    /// the one that starts it, here the one that asks for the dumps.
    #[cfg(all(tokio_unstable, target_os = "linux", target_arch = "x86_64"))]
    #[test]
    fn one_dump_at_a_time() {
        let asker = std::thread::Builder::new().name("dump-asker".into());
        let asker = asker.spawn(|| {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            // A task that holds the only worker: no dump ends while it runs.
            let (started, has_started) = std::sync::mpsc::channel();
            let (release, released) = std::sync::mpsc::channel::<()>();
            runtime.spawn(async move {
                started.send(()).unwrap();
                let _ = released.recv_timeout(Duration::from_secs(30));
            });
            has_started.recv().unwrap();

            runtime.block_on(async {
                let mut dumps = TaskDumps::default();
                // Each given up at once, as a caller's `select!` would.
                assert!(dumps.dump().now_or_never().is_none());
                assert!(dumps.dump().now_or_never().is_none());
                // This thread and one dump's.
                assert_eq!(threads_named("dump-asker"), 2);
                release.send(()).unwrap();
                let dump = dumps.dump().await;
                assert!(dump.ends_with(" tasks\n"), "{dump}");
            });
        });
        asker.unwrap().join().unwrap();
    }
}
