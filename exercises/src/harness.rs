//! Guards the times a learner is shown: each line an exercise prints is
//! stamped with the virtual instant it was printed at.
//!
//! Runs one exercise on a paused clock for the checker, which starts it as a
//! child process, and tells the checker the virtual time of each line it
//! prints.
//!
//! The exercise's `println!` goes straight to the checker's pipe, fd 1. The
//! harness writes its records into the same pipe through a copy of fd 1 of
//! its own: each time the runtime's thread wakes up at a new instant of the
//! paused clock, an `at` record says so, and the lines that follow were
//! printed at that instant. The paused clock moves only while the runtime is
//! parked, and Tokio's current-thread scheduler calls `on_thread_unpark`
//! after every park (an exercise that calls `tokio::time::advance` itself
//! has the lines it prints before the runtime next parks stamped with the
//! instant before the advance). The
//! harness keeps nothing of what the exercise prints, so a runaway loop
//! can't make it grow; and since every line is in the checker's pipe as soon
//! as it is printed, a process that dies without unwinding (`abort`,
//! `exit`, a stack overflow, the checker's kill) loses none of them.

use std::fs::File;
use std::future::Future;
use std::io::{self, Write};
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::time::Instant;

use crate::{Record, VIRTUAL_LIMIT};

mod waiting;

/// Starts one exercise.
pub type Run = fn() -> Pin<Box<dyn Future<Output = ()>>>;

/// The file whose `run` is run: its path, one that ends with the path the
/// compiler was given (an absolute one from `CARGO_MANIFEST_DIR`), and its
/// text. A task dump and a task left running are told by their lines there.
#[derive(Clone, Copy)]
pub struct Code {
    pub path: &'static str,
    pub source: &'static str,
}

impl Code {
    /// The file's name, as a task dump names its frames.
    fn name(self) -> &'static str {
        self.path.rsplit('/').next().unwrap_or(self.path)
    }
}

/// The harness's own copy of the checker's pipe, and the instant it last
/// reported.
struct Records {
    pipe: File,
    start: Instant,
    /// The virtual time of the last `at` record, in ms.
    reported_ms: u64,
}

impl Records {
    fn write(&mut self, record: &Record) -> io::Result<()> {
        // One `write`, so that a line printed by another thread can't land
        // inside the record.
        self.pipe.write_all(record.to_line().as_bytes())
    }

    /// Says that the clock has moved, if it has; only on the runtime's
    /// thread, whose clock is the paused one.
    fn instant(&mut self) -> io::Result<()> {
        let elapsed = Instant::now() - self.start;
        let ms = u64::try_from((elapsed.as_nanos() + 500_000) / 1_000_000).unwrap_or(u64::MAX);
        if ms == self.reported_ms {
            return Ok(());
        }
        // No flush of `io::stdout()`: it writes each line whole as its
        // newline comes, and a line's time is that of its newline.
        self.reported_ms = ms;
        self.write(&Record::At { ms })
    }
}

/// Called by the runtime's thread each time it wakes up, and once the
/// exercise has ended.
fn report_instant(records: &Mutex<Records>) {
    let mut records = records.lock().unwrap_or_else(PoisonError::into_inner);
    if let Err(error) = records.instant() {
        eprintln!("exercise harness: cannot report to the checker: {error}");
        std::process::exit(3);
    }
}

/// The `main` of an exercise's binary, which takes no arguments.
pub fn main(module: &str, code: Code, run: Run) -> ExitCode {
    closed_stdout::die_quietly_when_stdout_closes();
    let usage = format!("usage: {module} (run by `cargo run --bin exercises -- {module}`)");
    let args: Vec<_> = std::env::args_os().skip(1).collect();
    // A usage mistake wins over `--help`, wherever each stands.
    if let Some(arg) = args.iter().find(|arg| *arg != "-h" && *arg != "--help") {
        eprintln!("error: unexpected argument {arg:?}\n{usage}");
        return ExitCode::from(2);
    }
    if !args.is_empty() {
        println!("{usage}");
        return ExitCode::SUCCESS;
    }
    run_exercise(run, module, code)
}

/// Runs `run`, from the module `module` of `code`, and reports to the
/// checker. Exit codes: 0 it finished, 1 it hung, 101 it panicked, 3 the
/// harness failed. Its caller, a binary's `main`, has called
/// `closed_stdout::die_quietly_when_stdout_closes` first.
pub fn run_exercise(run: Run, module: &str, code: Code) -> ExitCode {
    harness(run, module, code).unwrap_or_else(|error| {
        eprintln!("exercise harness: {error}");
        ExitCode::from(3)
    })
}

/// How many places where tasks wait a hung run reports: a run that spawned
/// thousands of tasks would bury the first, which show where it hangs.
const MAX_WAITS: usize = 50;

fn harness(run: Run, module: &str, code: Code) -> io::Result<ExitCode> {
    let source = runner::dump::Source {
        path: code.name(),
        module,
    };
    // Close-on-exec: a process the exercise starts must not hold the
    // checker's pipe open through it.
    let pipe = File::from(rustix::io::fcntl_dupfd_cloexec(io::stdout(), 0)?);
    let records = Arc::new(Mutex::new(Records {
        pipe,
        start: Instant::now(),
        reported_ms: 0,
    }));
    let unpark = Arc::clone(&records);
    let mut builder = tokio::runtime::Builder::new_current_thread();
    builder
        .enable_all()
        .start_paused(true)
        .on_thread_unpark(move || report_instant(&unpark));
    let tasks = runner::Tasks::new(code.path, code.source);
    tasks.install(&mut builder);
    let runtime = builder.build()?;
    let _context = runtime.enter();
    // Now that the paused clock is the runtime's.
    records.lock().unwrap_or_else(PoisonError::into_inner).start = Instant::now();

    // Its own time, which a busy machine does not lengthen: on the paused
    // clock only a blocked thread (or one waiting for a blocking task) takes
    // any.
    let started = runner::own_time::Reading::now();
    // Outlives the timeout, so that its tasks can be dumped before it drops.
    let mut run = run();
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        runtime.block_on(async {
            match tokio::time::timeout(VIRTUAL_LIMIT, &mut run).await {
                Ok(()) => Ok(()),
                Err(_) => Err(waiting::describe(run.as_mut(), &tasks, source).await),
            }
        })
    }));
    let ended = runner::own_time::Reading::now();
    let held = ended
        .own_since(&started)
        .unwrap_or_else(|| ended.at().saturating_duration_since(started.at()));
    let held_ms = u64::try_from(held.as_millis()).unwrap_or(u64::MAX);
    // As the sections' runner does: after the turns that tasks told to stop
    // need to end, without moving the paused clock.
    let left_running = match outcome {
        Ok(Ok(())) => tasks.left_running(&runtime).unwrap_or_default(),
        _ => Vec::new(),
    };
    // A line left without its newline is printed, at the last instant.
    report_instant(&records);
    io::stdout().flush()?;
    let mut records = records.lock().unwrap_or_else(PoisonError::into_inner);
    for place in left_running {
        records.write(&Record::LeftRunning { place })?;
    }
    // Without `--cfg tokio_unstable` there are no task hooks: the checker
    // must not take "none left running" for a check that passed.
    match tasks.spawn_lines() {
        Some(lines) => {
            for line in lines {
                records.write(&Record::Spawned { line })?;
            }
        }
        None => records.write(&Record::TasksUnseen)?,
    }
    let (record, exit) = match outcome {
        Ok(Ok(())) => (Record::Finished { held_ms }, ExitCode::SUCCESS),
        Ok(Err(waits)) => {
            let more = waits.len().saturating_sub(MAX_WAITS);
            for text in waits.into_iter().take(MAX_WAITS) {
                records.write(&Record::Waits { text })?;
            }
            if more > 0 {
                let text = format!("and {more} more places where tasks wait");
                records.write(&Record::Waits { text })?;
            }
            (Record::VirtualTimeout, ExitCode::FAILURE)
        }
        Err(_) => (Record::Panicked, ExitCode::from(101)),
    };
    records.write(&record)?;
    Ok(exit)
}
