//! Where is each task of my program waiting? A task dump on SIGUSR1 (or
//! from a watchdog), printed on stderr as one short list of your own code's
//! frames per task, `main`'s first.
//!
//! In asyncio, `asyncio.all_tasks()` and `task.print_stack()` (3.14: `python
//! -m asyncio pstree PID`). Copy this file down to `run`, and run your
//! `main`'s body through `with_dumps_on_sigusr1`:
//!
//! ```rust,ignore
//! #[tokio::main]
//! async fn main() -> std::io::Result<()> {
//!     dump_stuck_tasks::with_dumps_on_sigusr1(serve(), std::io::stderr()).await?
//! }
//! ```
//!
//! The body of `main` is no task, so a dump of the tasks leaves it out:
//! `with_dumps_on_sigusr1` polls it once more, in Tokio's tracing mode, to
//! say where it waits. Tokio's `Handle::dump` needs these lines in your
//! project, and exists only on Linux (x86, x86_64, aarch64, s390x):
//!
//! ```toml
//! # Cargo.toml
//! [target.'cfg(all(target_os = "linux", any(target_arch = "aarch64", target_arch = "x86", target_arch = "x86_64", target_arch = "s390x")))'.dependencies]
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
//! - The write on the blocking pool, in a task of its own: a write to a
//!   pipe no one reads waits for room, and would stop `main`, or on a worker
//!   the runtime it reports on.

use std::future::Future;
use std::io::{self, Write};
use std::pin::pin;

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio_util::task::AbortOnDropHandle;

/// Runs `main` (your `main`'s body) to its end, and writes a task dump to
/// `out` (`std::io::stderr()`, say) each time the process gets SIGUSR1
/// (`kill -USR1 PID`): where `main` waits, then each task. `main` does not
/// run while a dump is taken.
pub async fn with_dumps_on_sigusr1<F: Future>(
    main: F,
    out: impl Write + Send + 'static,
) -> io::Result<F::Output> {
    // Registered now: until then, SIGUSR1 ends the process.
    let mut user_signal = signal(SignalKind::user_defined1())?;
    // Room for one dump while another is written; one more is dropped.
    let (dumps_out, to_write) = mpsc::channel(1);
    let writer = tokio::spawn(write_dumps(to_write, out));
    // The writer is the dumper's, not the program's: not in the dump.
    let mut dumps = TaskDumps::leaving_out(writer.id());
    let _writer = AbortOnDropHandle::new(writer);
    let mut main = pin!(main);
    loop {
        tokio::select! {
            output = &mut main => return Ok(output),
            Some(()) = user_signal.recv() => match dumps.dump(main.as_mut()).await {
                (Some(output), _) => return Ok(output),
                (None, text) => {
                    let _ = dumps_out.try_send(format!("SIGUSR1: {text}"));
                }
            },
        }
    }
}

/// Writes each dump on the blocking pool, where a write that waits holds
/// this task only.
async fn write_dumps(mut dumps: mpsc::Receiver<String>, mut out: impl Write + Send + 'static) {
    while let Some(text) = dumps.recv().await {
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
    use std::future::{Future, poll_fn};
    use std::path::Path;
    use std::pin::Pin;
    use std::task::Poll;
    use std::time::Duration;

    use tokio::runtime::dump::{Backtrace, BacktraceSymbol, Trace};
    use tokio::runtime::{Dump, Handle};
    use tokio::task::{Id, JoinHandle};
    use tokio::time::timeout;

    /// Task dumps of the current runtime, one at a time.
    #[derive(Default)]
    pub struct TaskDumps {
        /// A dump that outlived its wait. On the multi-thread runtime it
        /// runs on, on a thread of its own, and a second would spin a core
        /// until it ends; so the next request waits for this one instead.
        in_flight: Option<JoinHandle<Dump>>,
        /// A task the dumps leave out, as they leave out their own.
        left_out: Option<Id>,
    }

    impl TaskDumps {
        pub fn leaving_out(task: Id) -> Self {
            let left_out = Some(task);
            Self {
                left_out,
                ..Self::default()
            }
        }

        /// Where `main` waits, polled once here in tracing mode, then every
        /// task of the current runtime, each with the frames of your own code
        /// it waits in, outermost first, and the library call it waits in.
        /// If `main` ends in that poll, its output comes back instead, and
        /// it must not be polled again.
        pub async fn dump<F: Future + ?Sized>(
            &mut self,
            mut main: Pin<&mut F>,
        ) -> (Option<F::Output>, String) {
            let (polled, main_trace) = Trace::root(poll_fn(|cx| {
                Poll::Ready(Trace::capture(|| main.as_mut().poll(cx)))
            }))
            .await;
            if let Poll::Ready(output) = polled {
                return (Some(output), String::new());
            }
            // A task of its own: a dump that panics fails that task only.
            let in_flight = self.in_flight.get_or_insert_with(|| {
                let handle = Handle::current();
                tokio::spawn(async move { handle.dump().await })
            });
            let left_out = [Some(in_flight.id()), self.left_out];
            // Tokio's docs: a dump waits for every worker, so give it a limit.
            let Ok(dumped) = timeout(Duration::from_secs(2), in_flight).await else {
                let why = "a worker did not answer within 2s; the next request waits for this dump";
                return (None, format!("no task dump: {why}\n"));
            };
            self.in_flight = None;
            let text = match dumped {
                Ok(dump) => resolve(main_trace, dump, left_out).await,
                Err(error) => format!("no task dump: {error}\n"),
            };
            (None, text)
        }
    }

    /// The dump as text, without the tasks `left_out`: the one that took it,
    /// and another the caller names.
    async fn resolve(main: Trace, dump: Dump, left_out: [Option<Id>; 2]) -> String {
        // Reading the debug info takes milliseconds to seconds: not on a worker.
        let resolved = tokio::task::spawn_blocking(move || {
            let tasks = dump.tasks().iter();
            let tasks: Vec<_> = tasks
                .filter(|t| !left_out.contains(&Some(t.id())))
                .collect();
            let plural = if tasks.len() == 1 { "" } else { "s" };
            let mut text = format!("main and {} task{plural}\nmain:\n", tasks.len());
            for backtrace in main.resolve_backtraces() {
                text.push_str(&readable(&backtrace));
            }
            for task in tasks {
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
    /// (paths relative to it, or under it), outermost first, but this
    /// module's own; then what the task waits in: the first frame past the
    /// last of them that is not the plumbing of the standard library or of
    /// a macro (`join!` expands into your function, in Tokio's file).
    fn readable(backtrace: &Backtrace) -> String {
        let own = |file: &Path| file.is_relative() || file.starts_with(env!("CARGO_MANIFEST_DIR"));
        // Frames come innermost first, and so do the symbols inlined in one.
        let mut symbols: Vec<_> = backtrace
            .frames()
            .flat_map(|frame| frame.symbols())
            .map(|symbol| (name(symbol), symbol))
            .collect();
        symbols.reverse();
        let is_own = |(_, symbol): &&(String, &BacktraceSymbol)| symbol.filename().is_some_and(own);
        let Some(last_own) = symbols.iter().rposition(|s| is_own(&s)) else {
            // Without debug info, function names are still there: a task
            // that runs none of this crate's is a library's.
            let ours = concat!(env!("CARGO_CRATE_NAME"), "::");
            let ours = |(name, _): &(String, &BacktraceSymbol)| {
                name.trim_start_matches(['<', '&']).starts_with(ours)
            };
            return if symbols.iter().any(ours) {
                "  (no frame of this project's files: is it built without debug info?)\n".into()
            } else {
                "  (a library's task: none of its functions is this project's)\n".into()
            };
        };
        let (mine, after) = symbols.split_at(last_own + 1);
        let mine: Vec<_> = mine
            .iter()
            .filter(|s| is_own(s) && !s.0.contains("TaskDumps::dump"))
            .collect();
        let mut text = String::new();
        for (name, symbol) in &mine {
            let file = symbol.filename().and_then(|file| file.file_name());
            let file = file.unwrap_or_default().to_string_lossy();
            let line = symbol.lineno().unwrap_or(0);
            text.push_str(&format!("  in {name} at {file}:{line}\n"));
        }
        let plumbing = |name: &str| {
            let name = name.trim_start_matches('<');
            let library = ["core::", "std::", "&mut ", "tokio::future::maybe_done::"];
            library.iter().any(|prefix| name.starts_with(prefix))
                || mine.iter().any(|(own, _)| own == name)
        };
        if let Some((waits_in, _)) = after.iter().find(|(name, _)| !plumbing(name)) {
            text.push_str(&format!("  waiting in {waits_in}\n"));
        }
        text
    }

    fn name(symbol: &BacktraceSymbol) -> String {
        let name = symbol.name_demangled().unwrap_or("?");
        // Drop the hash legacy mangling appends (`::h0123456789abcdef`).
        let name = match name.rsplit_once("::h") {
            Some((path, hash)) if hash.len() == 16 => path,
            _ => name,
        };
        name.replace("::{{closure}}", "")
            .replace("core::future::future::Future", "Future")
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
    use std::future::Future;
    use std::pin::Pin;

    use tokio::task::Id;

    #[derive(Default)]
    pub struct TaskDumps;

    impl TaskDumps {
        pub fn leaving_out(_task: Id) -> Self {
            Self
        }

        /// Why there is no dump here.
        pub async fn dump<F: Future + ?Sized>(
            &mut self,
            _main: Pin<&mut F>,
        ) -> (Option<F::Output>, String) {
            let why = "it needs Linux and `--cfg tokio_unstable` with tokio's `taskdump` feature \
                       (a `RUSTFLAGS` variable replaces the rustflags of `.cargo/config.toml`)";
            (None, format!("no task dump: {why}\n"))
        }
    }
}

pub async fn run() -> io::Result<()> {
    with_dumps_on_sigusr1(book_and_approve(), io::stderr()).await?
}

// What only feeds the demonstration: two tasks stuck for good.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, oneshot};
use tokio::time::timeout;

async fn book_and_approve() -> io::Result<()> {
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
        // A watchdog can send SIGUSR1 here.
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
