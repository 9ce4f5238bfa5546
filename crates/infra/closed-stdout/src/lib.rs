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
//! A stdout on `/dev/null` is a stdout, however it was opened: a shell's
//! `> /dev/null` opens it write-only, and a supervisor (Python's
//! `subprocess.DEVNULL`, Node's `'ignore'`) read-write. A stdout that was not
//! open at all (a shell's `>&-`) can't be told from the latter: before
//! `main`, Rust's runtime opens `/dev/null` read-write in its place, and the
//! program runs with its output discarded.
//!
//! Every binary of the workspace calls [`die_quietly_when_stdout_closes`]
//! first thing in `main`; `tests/integration/closed_stdout.rs` runs each one
//! with its stdout closed, on `/dev/full`, on a read-write `/dev/null` and
//! not open at all.

use std::ffi::OsString;
use std::io::Write as _;
use std::panic::{self, PanicHookInfo};

use clap::error::ErrorKind;

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
/// itself ignores a failed write and exits 0). Usage mistakes exit 2,
/// wherever `--help` stands (see [`parse_with`]).
pub fn parse<T: clap::Parser>() -> T {
    parse_with(std::env::args_os(), T::try_parse_from).unwrap_or_else(|error| exit(&error))
}

/// Ends the binary as `error` asks: `--help` printed with `print!` and exit
/// code 0, a usage mistake on stderr and exit code 2.
pub fn exit(error: &clap::Error) -> ! {
    if error.use_stderr() {
        error.exit()
    }
    print!("{}", error.render());
    std::process::exit(0)
}

/// Parses `args` (the program's name first) with `parse`, a clap parse, so
/// that a usage mistake wins over `--help` wherever each stands.
///
/// Clap acts on `-h` as soon as it reads it: `-h --bogus` prints the help
/// and exits 0, while `--bogus -h` is a usage mistake. Here a parse that
/// asks for help or the version is tried again without `-h`, `--help`, `-V`
/// and `--version` (before a `--`): the help is printed only if that finds
/// no mistake other than a missing argument, which is what someone asking
/// for help may not know yet.
pub fn parse_with<R>(
    args: impl IntoIterator<Item = OsString>,
    parse: impl Fn(Vec<OsString>) -> Result<R, clap::Error>,
) -> Result<R, clap::Error> {
    let args: Vec<OsString> = args.into_iter().collect();
    // A help or version "error" is the one that goes to stdout.
    let help = match parse(args.clone()) {
        Err(help) if !help.use_stderr() => help,
        parsed => return parsed,
    };
    let mut without_help = Vec::with_capacity(args.len());
    let mut after_dashes = false;
    for (index, arg) in args.iter().enumerate() {
        if arg == "--" {
            after_dashes = true;
        }
        let help_or_version = matches!(arg.to_str(), Some("-h" | "--help" | "-V" | "--version"));
        if index == 0 || after_dashes || !help_or_version {
            without_help.push(arg.clone());
        }
    }
    match parse(without_help) {
        Err(mistake) if is_mistake(&mistake) => Err(mistake),
        _ => Err(help),
    }
}

/// A usage mistake that `--help` does not excuse.
fn is_mistake(error: &clap::Error) -> bool {
    error.use_stderr()
        && !matches!(
            error.kind(),
            ErrorKind::MissingRequiredArgument
                | ErrorKind::MissingSubcommand
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
        )
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Args {
        /// Required, so that `-h` alone must still show the help.
        name: String,
        #[arg(long)]
        count: Option<u8>,
    }

    fn parsed(args: &[&str]) -> Result<String, ErrorKind> {
        let args = std::iter::once("prog").chain(args.iter().copied());
        parse_with(args.map(OsString::from), Args::try_parse_from)
            .map(|args| args.name)
            .map_err(|error| error.kind())
    }

    #[test]
    fn a_usage_mistake_wins_over_help_wherever_each_stands() {
        for args in [
            &["-h", "--bogus"][..],
            &["--bogus", "-h"],
            &["x", "--help", "--bogus"],
            &["--help", "--count", "300"],
        ] {
            let kind = parsed(args).unwrap_err();
            assert!(
                matches!(
                    kind,
                    ErrorKind::UnknownArgument | ErrorKind::ValueValidation
                ),
                "{args:?}: {kind:?}"
            );
        }
        // A missing argument is what help is for; `--` ends the flags.
        for args in [&["-h"][..], &["x", "--help"], &["--help", "--count", "3"]] {
            assert_eq!(parsed(args), Err(ErrorKind::DisplayHelp), "{args:?}");
        }
        assert_eq!(parsed(&["--", "-h"]), Ok("-h".to_owned()));
    }
}
