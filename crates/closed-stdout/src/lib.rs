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
//! Every binary of the workspace calls [`die_quietly_when_stdout_closes`]
//! first thing in `main`; `tests/closed_stdout.rs` runs each one with its
//! stdout closed.

use std::panic::{self, PanicHookInfo};

use rustix::process::{Signal, getpid, kill_process};

/// Installs the panic hook; call it first thing in `main`.
pub fn die_quietly_when_stdout_closes() {
    let default = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if is_broken_stdout(info) {
            // The default disposition of SIGPIPE ends the process before
            // `kill` returns; if it somehow does not, report the panic.
            sigpipe::reset();
            let _ = kill_process(getpid(), Signal::PIPE);
        }
        default(info);
    }));
}

/// `println!`'s panic when stdout is a pipe nobody reads any more.
fn is_broken_stdout(info: &PanicHookInfo<'_>) -> bool {
    let payload = info.payload();
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or_default();
    message.starts_with("failed printing to stdout") && message.contains("Broken pipe")
}
