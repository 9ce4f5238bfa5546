//! Runs one exercise on a paused clock and reports what it printed, and
//! when, to the checker. Each exercise is a binary of its own
//! (`src/bin/<name>.rs`, made with [`exercise!`](crate::exercise)) whose
//! `main` is [`main`]; the checker (`cargo run --bin exercises`) builds and
//! starts it. Not meant to be run by hand.
//!
//! The exercise's `println!` goes to fd 1, which this process points at a
//! pipe it drains itself in `on_thread_park` (see the crate's docs for why
//! that makes the times exact). The records go to the original stdout.

use std::future::Future;
use std::pin::Pin;

/// Starts one exercise.
pub type Run = fn() -> Pin<Box<dyn Future<Output = ()>>>;

use std::fs::File;
use std::io::{self, ErrorKind, Read, Write};
use std::panic::{self, AssertUnwindSafe};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::time::Instant;

use crate::{Record, VIRTUAL_LIMIT};

/// Where each task of an exercise still running at its limit waits.
mod waiting;

/// How often, in real time, lines printed while the runtime runs without
/// parking are passed on: a loop that never reaches an `.await` is killed
/// at the wall-clock limit, and what it printed before must not die with it.
const DRAIN_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// The read end of the exercise's stdout and where the records go.
struct Capture {
    pipe: File,
    records: File,
    partial: Vec<u8>,
    start: Instant,
    /// While the runtime runs, the virtual time it woke up at, in ms; `None`
    /// while it is parked and once the exercise has ended.
    running_at: Option<u64>,
}

impl Capture {
    /// The current virtual time, in ms since the exercise started. Only on
    /// the runtime's thread, where the paused clock is the runtime's.
    fn now_ms(&self) -> u64 {
        let elapsed = Instant::now() - self.start;
        u64::try_from((elapsed.as_nanos() + 500_000) / 1_000_000).unwrap_or(u64::MAX)
    }

    /// Reads everything printed so far and reports each complete line at
    /// virtual time `at_ms`.
    fn drain(&mut self, end: bool, at_ms: u64) -> io::Result<()> {
        let mut buffer = [0; 8192];
        loop {
            match self.pipe.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => self.partial.extend_from_slice(&buffer[..n]),
                Err(error) if error.kind() == ErrorKind::WouldBlock => break,
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
        let mut lines: Vec<Vec<u8>> = Vec::new();
        while let Some(newline) = self.partial.iter().position(|&b| b == b'\n') {
            let rest = self.partial.split_off(newline + 1);
            let mut line = std::mem::replace(&mut self.partial, rest);
            line.pop();
            lines.push(line);
        }
        if end && !self.partial.is_empty() {
            lines.push(std::mem::take(&mut self.partial));
        }
        for line in lines {
            let text = String::from_utf8_lossy(&line).replace('\r', "");
            writeln!(self.records, "{}", Record::Line { at_ms, text })?;
        }
        self.records.flush()
    }
}

/// What the runtime's thread calls when it parks (`parked`), when it wakes
/// up, and once the exercise has ended (`end`).
fn report(capture: &Mutex<Capture>, parked: bool, end: bool) {
    let mut capture = capture.lock().unwrap_or_else(PoisonError::into_inner);
    let now = capture.now_ms();
    // Lines are drained before the runtime parks, so before the paused
    // clock can move past the instant they were printed at.
    let drained = if parked || end {
        capture.drain(end, now)
    } else {
        Ok(())
    };
    capture.running_at = (!parked && !end).then_some(now);
    if let Err(error) = drained {
        eprintln!("exercise harness: cannot pass on the exercise's output: {error}");
        std::process::exit(3);
    }
}

/// Passes on, every [`DRAIN_EVERY`], what the exercise printed while the
/// runtime runs without parking, at the virtual time it woke up at: the
/// paused clock moves only while the runtime is parked, so that is the time
/// the lines were printed at. A loop that never reaches an `.await` is
/// killed by the checker, and this shows what it printed before.
fn drain_while_running(capture: Arc<Mutex<Capture>>) {
    loop {
        std::thread::sleep(DRAIN_EVERY);
        let mut capture = capture.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(at_ms) = capture.running_at
            && capture.drain(false, at_ms).is_err()
        {
            // The runtime's thread reports the error when it drains next.
            return;
        }
    }
}

/// Accepts no arguments but `--help`: `Ok(false)` for `--help`.
fn parse_args(usage: &str) -> Result<bool, lexopt::Error> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_env();
    if let Some(arg) = parser.next()? {
        return match arg {
            Short('h') | Long("help") => {
                println!("{usage}");
                Ok(false)
            }
            other => Err(other.unexpected()),
        };
    }
    Ok(true)
}

/// The `main` of an exercise's binary: runs `run`, the exercise in `file`
/// (its module is `module`), and reports to the checker.
pub fn main(module: &str, file: &str, run: Run) -> ExitCode {
    closed_stdout::die_quietly_when_stdout_closes();
    let usage = format!(
        "usage: {module} (the exercise `{module}`, run by `cargo run --bin exercises -- {module}`)"
    );
    match parse_args(&usage) {
        Ok(true) => {}
        Ok(false) => return ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{module}: {error}\n{usage}");
            return ExitCode::from(2);
        }
    }
    let source = runner::dump::Source {
        path: file.rsplit('/').next().unwrap_or(file),
        module,
    };
    run_exercise(run, source)
}

/// Runs `run` on the paused clock and reports to the checker; the dump of a
/// hung run names places in `source`.
pub fn run_exercise(run: Run, source: runner::dump::Source<'_>) -> ExitCode {
    closed_stdout::die_quietly_when_stdout_closes();
    match harness(run, source) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("exercise harness: {error}");
            ExitCode::from(3)
        }
    }
}

fn harness(run: Run, source: runner::dump::Source<'_>) -> io::Result<ExitCode> {
    // Close-on-exec, both: a process the exercise starts inherits only
    // fds 0 to 2, not the checker's pipe nor the read end of the capture.
    let records = File::from(rustix::io::fcntl_dupfd_cloexec(io::stdout(), 0)?);
    let (read, write) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?;
    // Room for a chatty exercise between two parks; a full pipe would block
    // the exercise's `println!` with nobody left to drain it.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let _ = rustix::pipe::fcntl_setpipe_size(&write, 1 << 20);
    rustix::io::ioctl_fionbio(&read, true)?;
    io::stdout().flush()?;
    rustix::stdio::dup2_stdout(&write)?;
    drop(write);

    // `start` is set again below, once the paused clock is the runtime's.
    let capture = Arc::new(Mutex::new(Capture {
        pipe: File::from(read),
        records,
        partial: Vec::new(),
        start: Instant::now(),
        running_at: None,
    }));
    let (park, unpark) = (Arc::clone(&capture), Arc::clone(&capture));
    let mut builder = tokio::runtime::Builder::new_current_thread();
    builder
        .enable_all()
        .start_paused(true)
        .on_thread_park(move || report(&park, true, false))
        .on_thread_unpark(move || report(&unpark, false, false));
    let spawns = waiting::Spawns::default();
    spawns.install(&mut builder);
    let runtime = builder.build()?;
    let _context = runtime.enter();
    {
        let mut capture = capture.lock().unwrap_or_else(PoisonError::into_inner);
        capture.start = Instant::now();
        capture.running_at = Some(0);
    }
    let watcher = Arc::clone(&capture);
    std::thread::spawn(move || drain_while_running(watcher));

    let wall = std::time::Instant::now();
    // `run` outlives the timeout, so that where its tasks wait can still be
    // asked before it is dropped.
    let mut run = run();
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        runtime.block_on(async {
            match tokio::time::timeout(VIRTUAL_LIMIT, &mut run).await {
                Ok(()) => Ok(()),
                Err(_) => Err(waiting::describe(run.as_mut(), &spawns, source).await),
            }
        })
    }));
    let wall_ms = u64::try_from(wall.elapsed().as_millis()).unwrap_or(u64::MAX);
    let _ = io::stdout().flush();
    report(&capture, false, true);
    let mut capture = capture.lock().unwrap_or_else(PoisonError::into_inner);
    let (record, code) = match outcome {
        Ok(Ok(())) => (Record::Finished { wall_ms }, ExitCode::SUCCESS),
        Ok(Err(waits)) => {
            for text in waits {
                writeln!(capture.records, "{}", Record::Waits { text })?;
            }
            (Record::VirtualTimeout, ExitCode::FAILURE)
        }
        Err(_) => (Record::Panicked, ExitCode::from(101)),
    };
    writeln!(capture.records, "{record}")?;
    capture.records.flush()?;
    Ok(code)
}
