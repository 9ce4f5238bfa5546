//! A closed stdout ends a binary the way it ends `cat` or `grep`.
//!
//! Rust starts every program with SIGPIPE ignored, so that a write to a
//! closed pipe or socket is an error the program can handle (`EPIPE`)
//! instead of a silent death. `println!` turns that error into a panic:
//! `cargo run -p basics | head` would print "failed printing to stdout:
//! Broken pipe", and the runner would report the example as panicked. The
//! examples, the servers and the tools that drive child processes must keep
//! Rust's usual behaviour for their own pipes and sockets, so SIGPIPE stays
//! ignored; only that one panic is turned into the death by SIGPIPE a shell
//! expects (status 141, nothing on stderr).
//!
//! Any other error writing stdout (a full disk, `> /dev/full`) is the same
//! panic with another reason: it becomes one line on stderr, `error: cannot
//! write to stdout: <reason>`, and exit code 1, instead of a panic's 101
//! and backtrace (and, in a section binary, an example reported as
//! panicked).
//!
//! Every binary of the workspace calls [`die_quietly_when_stdout_closes`]
//! first thing in `main`; `tests/integration/closed_stdout.rs` runs each one with its
//! stdout closed, and with it on `/dev/full`.

use std::io::Write as _;
use std::panic::{self, PanicHookInfo};

use std::sync::atomic::{AtomicBool, Ordering};

use rustix::process::{Signal, getpid, kill_process};

/// The exit code of a binary that could not write its stdout.
pub const EXIT_CANNOT_WRITE: i32 = 1;

/// Set by the first thread that reports a failed write to stdout.
static REPORTING: AtomicBool = AtomicBool::new(false);

/// Installs the panic hook; call it first thing in `main`.
pub fn die_quietly_when_stdout_closes() {
    let default = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if let Some(reason) = stdout_write_error(info) {
            if reason.contains("Broken pipe") {
                // The default disposition of SIGPIPE ends the process before
                // `kill` returns; if it somehow does not, report the panic.
                sigpipe::reset();
                let _ = kill_process(getpid(), Signal::PIPE);
            } else {
                // Several threads can fail to print at once (tasks on the
                // multi-thread runtime): the first one reports and exits, and
                // the others wait for the exit, so the line is said once and
                // whole.
                if REPORTING.swap(true, Ordering::SeqCst) {
                    loop {
                        std::thread::park();
                    }
                }
                // One write, so that nothing else lands inside the line.
                let line = format!("error: cannot write to stdout: {reason}\n");
                let _ = std::io::stderr().write_all(line.as_bytes());
                std::process::exit(EXIT_CANNOT_WRITE);
            }
        }
        default(info);
    }));
}

/// Why `println!` could not write stdout, if that is what this panic is.
fn stdout_write_error<'a>(info: &'a PanicHookInfo<'_>) -> Option<&'a str> {
    let payload = info.payload();
    payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())?
        .strip_prefix("failed printing to stdout: ")
}

/// Parses the command line with clap, but prints `--help` with `print!`,
/// where a closed stdout ends the binary as any other output does (clap
/// itself ignores a failed write and exits 0). Usage mistakes exit 2.
pub fn parse<T: clap::Parser>() -> T {
    T::try_parse().unwrap_or_else(|error| {
        if error.use_stderr() {
            error.exit()
        }
        print!("{}", error.render());
        std::process::exit(0)
    })
}
