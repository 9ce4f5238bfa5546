//! Runs one exercise on a paused clock and reports each line it prints, with
//! the exact virtual time, to the checker, which starts it as a child process.
//!
//! The exercise's `println!` goes to fd 1, a pipe this process drains in
//! `on_thread_park`: the paused clock moves only while the runtime is parked,
//! and Tokio's current-thread scheduler calls that callback just before it
//! parks, so every line is read before time can move past the instant it was
//! printed at. While the runtime runs without parking (a loop that never
//! reaches an `.await`), a thread passes the lines on every 100 ms, stamped
//! with the instant the runtime woke up at, which is when they were printed.

use std::fs::File;
use std::future::Future;
use std::io::{self, ErrorKind, Read, Write};
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use crate::{Record, VIRTUAL_LIMIT};

mod waiting;

/// Starts one exercise.
pub type Run = fn() -> Pin<Box<dyn Future<Output = ()>>>;

/// How often lines printed while the runtime does not park are passed on, so
/// that a run killed for never yielding still shows what it printed.
const DRAIN_EVERY: Duration = Duration::from_millis(100);

/// The read end of the exercise's stdout, and where the records go.
struct Capture {
    pipe: File,
    records: File,
    partial: Vec<u8>,
    start: Instant,
    /// While the runtime runs, the virtual time it woke up at, in ms.
    running_at: Option<u64>,
}

impl Capture {
    /// Virtual ms since the start; only on the runtime's thread.
    fn now_ms(&self) -> u64 {
        let elapsed = Instant::now() - self.start;
        u64::try_from((elapsed.as_nanos() + 500_000) / 1_000_000).unwrap_or(u64::MAX)
    }

    /// Reports each complete line printed so far (and at the `end`, the rest)
    /// at virtual time `at_ms`.
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
        let taken = if end {
            self.partial.len()
        } else {
            self.partial
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |n| n + 1)
        };
        let taken: Vec<u8> = self.partial.drain(..taken).collect();
        for text in String::from_utf8_lossy(&taken)
            .replace('\r', "")
            .split_terminator('\n')
        {
            let text = text.to_owned();
            writeln!(self.records, "{}", Record::Line { at_ms, text })?;
        }
        self.records.flush()
    }
}

/// Called by the runtime's thread when it parks, when it wakes up, and once
/// the exercise has ended.
fn report(capture: &Mutex<Capture>, parked: bool, end: bool) {
    let mut capture = capture.lock().unwrap_or_else(PoisonError::into_inner);
    let now = capture.now_ms();
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

fn drain_while_running(capture: Arc<Mutex<Capture>>) {
    loop {
        std::thread::sleep(DRAIN_EVERY);
        let mut capture = capture.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(at_ms) = capture.running_at
            && capture.drain(false, at_ms).is_err()
        {
            return; // The runtime's thread reports it when it drains next.
        }
    }
}

/// The `main` of an exercise's binary, which takes no arguments.
pub fn main(module: &str, file: &str, run: Run) -> ExitCode {
    closed_stdout::die_quietly_when_stdout_closes();
    let usage = format!("usage: {module} (run by `cargo run --bin exercises -- {module}`)");
    match std::env::args_os().nth(1) {
        None => {}
        Some(arg) if arg == "-h" || arg == "--help" => {
            println!("{usage}");
            return ExitCode::SUCCESS;
        }
        Some(arg) => {
            eprintln!("error: unexpected argument {arg:?}\n{usage}");
            return ExitCode::from(2);
        }
    }
    let path = file.rsplit('/').next().unwrap_or(file);
    run_exercise(run, runner::dump::Source { path, module })
}

/// Runs `run` and reports to the checker; a hung run's task dump names
/// places in `source`. Exit codes: 0 it finished, 1 it hung, 101 it
/// panicked, 3 the harness failed.
pub fn run_exercise(run: Run, source: runner::dump::Source<'_>) -> ExitCode {
    closed_stdout::die_quietly_when_stdout_closes();
    harness(run, source).unwrap_or_else(|error| {
        eprintln!("exercise harness: {error}");
        ExitCode::from(3)
    })
}

fn harness(run: Run, source: runner::dump::Source<'_>) -> io::Result<ExitCode> {
    // Close-on-exec: a process the exercise starts must not hold the
    // checker's pipe open.
    let records = File::from(rustix::io::fcntl_dupfd_cloexec(io::stdout(), 0)?);
    let (read, write) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?;
    // Room for a chatty exercise between two parks: a full pipe would block
    // its `println!` with nobody left to drain it.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let _ = rustix::pipe::fcntl_setpipe_size(&write, 1 << 20);
    rustix::io::ioctl_fionbio(&read, true)?;
    io::stdout().flush()?;
    rustix::stdio::dup2_stdout(&write)?;
    drop(write);

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
        // Now that the paused clock is the runtime's.
        let mut capture = capture.lock().unwrap_or_else(PoisonError::into_inner);
        capture.start = Instant::now();
        capture.running_at = Some(0);
    }
    let watcher = Arc::clone(&capture);
    std::thread::spawn(move || drain_while_running(watcher));

    let wall = std::time::Instant::now();
    // Outlives the timeout, so that its tasks can be dumped before it drops.
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
