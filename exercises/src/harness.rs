//! Runs one exercise on a paused clock and reports what it printed, and
//! when, to the checker. Not meant to be run by hand: the checker
//! (`cargo run -p exercises`) starts it as `exercise-harness <name>`.
//!
//! The exercise's `println!` goes to fd 1, which this process points at a
//! pipe it drains itself in `on_thread_park` (see the crate's docs for why
//! that makes the times exact). The records go to the original stdout.

use std::future::Future;
use std::pin::Pin;

/// Starts one exercise.
pub type Run = fn() -> Pin<Box<dyn Future<Output = ()>>>;

/// The exercises' modules and `exercise(name)`, from the one list
/// (`exercises::with_catalog!`). Each module's `#[path]` is relative to the
/// file that calls `with_catalog!(track)`: `src/exercises/mod.rs` for the
/// learner's files, `solutions/mod.rs` for the reference solutions.
macro_rules! track {
    ($($name:ident = $file:literal, $example:literal, $hint:tt;)*) => {
        $(
            #[path = $file]
            mod $name;
        )*

        /// The exercise called `name`.
        pub fn exercise(name: &str) -> Option<crate::Run> {
            match name {
                $(stringify!($name) => Some(|| Box::pin($name::run())),)*
                _ => None,
            }
        }
    };
}

// The shipped exercises are unfinished on purpose: `todo!()`s, values
// computed for the learner to use, loops the learner will rewrite.
#[cfg_attr(not(feature = "solutions"), path = "exercises/mod.rs")]
#[cfg_attr(feature = "solutions", path = "../solutions/mod.rs")]
#[allow(
    clippy::while_let_loop,
    dead_code,
    unused_imports,
    unused_variables,
    unused_mut,
    unreachable_code
)]
mod track;

/// Run by `verify` only; the list of cases is the checker's.
#[cfg(feature = "solutions")]
#[allow(dead_code)]
mod selftest;

use std::fs::File;
use std::io::{self, ErrorKind, Read, Write};
use std::panic::{self, AssertUnwindSafe};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};

use exercises::{Record, VIRTUAL_LIMIT};

/// Where each task of an exercise still running at its limit waits.
#[path = "harness/waiting.rs"]
mod waiting;
use tokio::time::Instant;

/// The read end of the exercise's stdout and where the records go.
struct Capture {
    pipe: File,
    records: File,
    partial: Vec<u8>,
    start: Instant,
}

impl Capture {
    /// Reads everything printed so far and reports each complete line at
    /// the current (virtual) time. Runs on the runtime's thread, so the
    /// paused clock is the runtime's.
    fn drain(&mut self, end: bool) -> io::Result<()> {
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
        let elapsed = Instant::now() - self.start;
        let at_ms = u64::try_from((elapsed.as_nanos() + 500_000) / 1_000_000).unwrap_or(u64::MAX);
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

fn report(capture: &Mutex<Capture>, end: bool) {
    let mut capture = capture.lock().unwrap_or_else(PoisonError::into_inner);
    if let Err(error) = capture.drain(end) {
        eprintln!("exercise-harness: cannot pass on the exercise's output: {error}");
        std::process::exit(3);
    }
}

const USAGE: &str = "usage: exercise-harness <exercise> (run by `cargo run -p exercises`)";

/// The exercise to run, or `Ok(None)` for `--help`.
fn parse_args() -> Result<Option<String>, lexopt::Error> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_env();
    let mut name = None;
    while let Some(arg) = parser.next()? {
        match arg {
            Short('h') | Long("help") => return Ok(None),
            Value(value) if name.is_none() => name = Some(value.string()?),
            other => return Err(other.unexpected()),
        }
    }
    name.map(Some)
        .ok_or(lexopt::Error::MissingValue { option: None })
}

fn main() -> ExitCode {
    closed_stdout::die_quietly_when_stdout_closes();
    let name = match parse_args() {
        Ok(Some(name)) => name,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("exercise-harness: {error}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let run = track::exercise(&name);
    #[cfg(feature = "solutions")]
    let run = run.or_else(|| selftest::exercise(&name));
    let Some(run) = run else {
        eprintln!("exercise-harness: no exercise named `{name}`");
        return ExitCode::from(2);
    };
    // The self-tests live in selftest.rs, the traps' in files of their own.
    #[cfg(feature = "solutions")]
    let self_test_file = selftest::file(&name);
    #[cfg(not(feature = "solutions"))]
    let self_test_file = "selftest.rs";
    let file = exercises::find(&name).map_or(self_test_file, |exercise| exercise.file);
    let source = runner::dump::Source {
        path: file.rsplit('/').next().unwrap_or(file),
        module: if exercises::find(&name).is_none() {
            "selftest"
        } else {
            &name
        },
    };
    match harness(run, source) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("exercise-harness: {error}");
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
    }));
    let hook = Arc::clone(&capture);
    let mut builder = tokio::runtime::Builder::new_current_thread();
    builder
        .enable_all()
        .start_paused(true)
        .on_thread_park(move || report(&hook, false));
    let spawns = waiting::Spawns::default();
    spawns.install(&mut builder);
    let runtime = builder.build()?;
    let _context = runtime.enter();
    capture.lock().unwrap_or_else(PoisonError::into_inner).start = Instant::now();

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
    report(&capture, true);
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
