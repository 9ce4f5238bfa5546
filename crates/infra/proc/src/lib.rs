//! Guards against orphans: no child process of the tools outlives its
//! deadline, its caller or a Ctrl-C.
//!
//! The one door every child process of the workspace's tools goes through:
//! xtask, the exercise checker and the tests start their children here, in
//! the manner of cargo-util's `ProcessBuilder`.
//!
//! - [`spawn`] starts a command in a process group of its own and registers
//!   the group. The [`Group`] it returns kills the whole group once the
//!   child has exited (whatever it left running would hold its pipes open),
//!   and when it is dropped.
//! - On Ctrl-C (SIGINT), SIGTERM or SIGHUP, every registered group is killed
//!   and the process exits with 128 + the signal's number: 130 for Ctrl-C.
//!   A child in a group of its own does not get the terminal's Ctrl-C, so
//!   without this an interrupted tool would leave its children running,
//!   re-parented to PID 1. The first [`spawn`] installs the handler.
//! - [`run`] runs a command to its end or to a deadline, reading its stdout
//!   and stderr on threads of their own, so a chatty child never blocks;
//!   [`run_limited`] also kills a child that writes more than a limit.
//! - [`cargo::build`] runs a cargo build and reads its JSON messages once:
//!   the binaries it built and the compiler's errors.
//! - [`serve`] starts a server and reads the line that says where it
//!   listens; [`serve_logged`] keeps what it prints after.
//!
//! Why not `process-wrap`: its std frontend (version 9) gives a process
//! group, which std's `CommandExt::process_group` gives, and a wait that
//! reaps the group; its kill-on-drop is Tokio's only, it has no timeout and
//! no registry to empty on Ctrl-C, which is what matters here, and it would
//! bring `nix` alongside `rustix`.
//!
//! Unix only, like the rest of the tooling; [`processes`] reads Linux's `/proc`.

pub mod cargo;
mod group;
mod run;
mod server;

pub use group::{Group, spawn};
pub use run::{Exit, Finished, Stream, Streams, run, run_limited};
pub use server::{STARTUP, serve, serve_logged};

use std::time::{Duration, Instant};

/// A process, from `/proc/<pid>/stat`. Linux only; the tests use these to
/// prove that nothing outlived a check.
#[derive(Clone, Debug)]
pub struct Process {
    pub pid: u32,
    pub parent: u32,
    pub group: u32,
    /// Its command's name, at most 15 bytes of it.
    pub name: String,
    /// Exited, and not yet reaped by its parent.
    pub zombie: bool,
}

/// Every process now.
pub fn processes() -> Vec<Process> {
    let entries = std::fs::read_dir("/proc").into_iter().flatten().flatten();
    let read = |entry: std::fs::DirEntry| {
        let pid = entry.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
        // `pid (comm) state ppid pgrp ...`; comm may hold spaces.
        let (head, rest) = stat.rsplit_once(") ")?;
        let mut fields = rest.split_whitespace();
        Some(Process {
            pid,
            name: head.split_once(" (")?.1.to_owned(),
            zombie: fields.next()? == "Z",
            parent: fields.next()?.parse().ok()?,
            group: fields.next()?.parse().ok()?,
        })
    };
    entries.filter_map(read).collect()
}

/// The living (not zombie) processes whose process group is `group`.
pub fn members_of_group(group: u32) -> Vec<u32> {
    let members = processes().into_iter();
    let members = members.filter(|p| !p.zombie && p.group == group);
    members.map(|p| p.pid).collect()
}

/// Whether process `pid` has exited (it is gone, or a zombie waiting to be
/// reaped) within `patience`: a killed process takes a moment to die.
pub fn exits_within(pid: u32, patience: Duration) -> bool {
    let deadline = Instant::now() + patience;
    while processes().iter().any(|p| p.pid == pid && !p.zombie) {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    true
}
