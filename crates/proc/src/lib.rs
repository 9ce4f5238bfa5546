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
//!   listens.
//!
//! Why not `process-wrap`: its std frontend (version 9) gives a process
//! group, which std's `CommandExt::process_group` gives, and a wait that
//! reaps the group; its kill-on-drop is Tokio's only, it has no timeout and
//! no registry to empty on Ctrl-C, which is what matters here, and it would
//! bring `nix` alongside `rustix`.
//!
//! Unix only, like the rest of the tooling; [`exits_within`] reads `/proc`.

pub mod cargo;
mod group;
mod run;
mod server;

pub use group::{Group, interrupted, spawn};
pub use run::{Exit, Finished, run, run_limited};
pub use server::{STARTUP, serve};

use std::time::{Duration, Instant};

/// Whether process `pid` has exited (it is gone, or a zombie waiting to be
/// reaped) within `patience`: a killed process takes a moment to die.
/// Linux only, through `/proc`; the tests use it to prove nothing outlived
/// a check.
pub fn exits_within(pid: &str, patience: Duration) -> bool {
    let deadline = Instant::now() + patience;
    loop {
        let alive = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|stat| !stat.contains(") Z "));
        if !alive {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The living (not zombie) processes whose process group is `group`, from
/// `/proc`. Linux only; the tests use it to prove a group is gone.
pub fn members_of_group(group: u32) -> Vec<u32> {
    let group = group.to_string();
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            // `pid (comm) state ppid pgrp ...`; comm may hold spaces.
            let mut fields = stat.rsplit_once(") ")?.1.split_whitespace();
            let state = fields.next()?;
            let pgrp = fields.nth(1)?;
            (state != "Z" && pgrp == group).then_some(pid)
        })
        .collect()
}
