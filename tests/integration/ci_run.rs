//! Ctrl-C or SIGTERM to `.ci/run`: it exits with 130 or 143 and leaves no
//! process behind, not even one a step started in a process group of its
//! own, as nextest starts each test and `proc` each example. No signal to
//! the step's group reaches such a process: only the step can stop it, so
//! `.ci/run` must let the step stop, not kill it first.
//!
//! A copy of `.ci/run --quick` runs in a temporary directory, with stand-ins
//! first on PATH for `rustup`, which it asks for the toolchain, and `cargo`.
//! Every cargo command passes at once but `cargo nextest`, which runs one
//! test (`sleep 300`) as nextest does: in a process group of its own, which
//! it passes Ctrl-C on to, and it ends when its test has ended.

use std::ffi::OsString;
use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use rustix::process::{Pid, Signal, kill_process_group};

/// How long `.ci/run` may take to exit after the signal: a hang guard, as
/// the stand-ins end at once.
const EXIT_LIMIT: Duration = Duration::from_secs(60);

/// A stand-in for cargo. Job control (`set -m`) starts the test in a
/// process group of its own. The trap is set before the test starts, so
/// that no signal can come in between; bash has set `$!` by the time it
/// runs the trap.
const CARGO: &str = r#"#!/usr/bin/env bash
set -euo pipefail
[ "$1" = nextest ] || exit 0
set -m
trap 'kill -INT -- "-$!"' INT TERM
sleep 300 &
while kill -0 "$!" 2> /dev/null; do
    wait "$!" || true
done
"#;

const RUSTUP: &str = "#!/bin/sh\necho stand-in-toolchain\n";

fn write_executable(path: &Path, text: &str) {
    fs::write(path, text).expect("the stand-in is written");
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).expect("it is made executable");
}

#[test]
fn ctrl_c_or_sigterm_to_ci_run_leaves_no_process_behind() {
    let ci_run = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.ci/run");
    for (name, signal, code) in [("SIGINT", Signal::INT, 130), ("SIGTERM", Signal::TERM, 143)] {
        let copy = tempfile::tempdir().expect("a temporary directory");
        let run = copy.path().join(".ci/run");
        let bin = copy.path().join("bin");
        fs::create_dir(copy.path().join(".ci")).expect("its .ci/");
        fs::copy(&ci_run, &run).expect(".ci/run is copied");
        fs::create_dir(&bin).expect("its bin/");
        write_executable(&bin.join("cargo"), CARGO);
        write_executable(&bin.join("rustup"), RUSTUP);
        let mut path = OsString::from(&bin);
        path.push(":");
        path.push(std::env::var_os("PATH").unwrap_or_default());

        // Read by bash rather than executed: a file executed as soon as it
        // is written can fail with ETXTBSY while another test forks. Its
        // stderr in a file: a pipe would stay open as long as a process left
        // behind.
        let stderr_path = copy.path().join("stderr");
        let stderr = fs::File::create(&stderr_path).expect("a file for its stderr");
        let mut command = Command::new("bash");
        command
            .arg(&run)
            .arg("--quick")
            .env("PATH", path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        let mut ci = proc::spawn(command).expect(".ci/run starts");
        let groups = crate::interrupt::groups_once_running(ci.id(), "sleep");

        ci.signal(signal).expect("the signal is sent");
        let status = ci
            .wait_timeout(EXIT_LIMIT)
            .expect("its status")
            .unwrap_or_else(|| panic!("still running {EXIT_LIMIT:?} after {name}"));
        let stderr = fs::read_to_string(&stderr_path).unwrap_or_default();
        assert_eq!(status.code(), Some(code), "{name}: {status:?}\n{stderr}");
        // `.ci/run` has waited for what it stopped: nothing is left now.
        let left: Vec<_> = groups
            .into_iter()
            .filter(|&group| !proc::members_of_group(group).is_empty())
            .collect();
        for &group in &left {
            if let Some(leader) = i32::try_from(group).ok().and_then(Pid::from_raw) {
                let _ = kill_process_group(leader, Signal::KILL);
            }
        }
        assert!(
            left.is_empty(),
            "{name}: processes of groups {left:?} outlived .ci/run (killed now)\n{stderr}"
        );
    }
}
