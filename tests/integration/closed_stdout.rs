//! `cargo run -p basics | head` ends as `cat | head` does: whichever binary
//! of the workspace finds its stdout closed dies of SIGPIPE, silently,
//! instead of panicking with "failed printing to stdout" and a backtrace.
//! Any other error writing stdout (`> /dev/full`), and a stdout that is not
//! open at all (`>&-`), is one line on stderr and exit code 1, never a panic
//! or a silent success.
#![cfg(unix)]

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use xtask::workspace::{Profile, Workspace};

const SIGPIPE: i32 = 13;

/// Runs a binary with its stdout already closed: the read end of the pipe
/// is dropped before the binary starts, so its first write fails however
/// fast it is.
fn run_with_stdout_closed(binary: &PathBuf, args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    Command::new(binary)
        .args(args)
        .stdout(writer)
        .stderr(Stdio::piped())
        // The panic this guards against prints a backtrace under it.
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap_or_else(|error| panic!("{} does not run: {error}", binary.display()))
}

/// Runs a binary with no stdout at all: a shell's `>&-`, which std's
/// `Command` can't ask for.
fn run_without_stdout(binary: &PathBuf, args: &[&str]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg("exec \"$0\" \"$@\" >&-")
        .arg(binary)
        .args(args)
        .stderr(Stdio::piped())
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap_or_else(|error| panic!("sh does not run {}: {error}", binary.display()))
}

#[track_caller]
fn assert_said_stdout_is_closed(what: &str, output: &Output) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{what}: {stderr}");
    assert_eq!(
        stderr, "error: cannot write to stdout: it was closed when the program started (`>&-`)\n",
        "{what}"
    );
}

/// Runs a binary with its stdout on `/dev/full`, where every write fails
/// with "No space left on device".
fn run_into_dev_full(binary: &PathBuf, args: &[&str]) -> Output {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full opens");
    Command::new(binary)
        .args(args)
        .stdout(full)
        .stderr(Stdio::piped())
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap_or_else(|error| panic!("{} does not run: {error}", binary.display()))
}

#[track_caller]
fn assert_said_it_cannot_write(what: &str, output: &Output) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{what}: {stderr}");
    assert!(
        stderr.ends_with("error: cannot write to stdout: No space left on device (os error 28)\n"),
        "{what}: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    // Said once, although several threads may have failed to print.
    assert_eq!(
        stderr.matches("cannot write to stdout").count(),
        1,
        "{what}: {stderr}"
    );
}

#[track_caller]
fn assert_died_quietly(what: &str, output: &Output) {
    assert_eq!(
        output.status.signal(),
        Some(SIGPIPE),
        "{what}: {:?}, stderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&output.stderr), "", "{what}");
}

/// Every binary target of every workspace package, read from `cargo
/// metadata`, so a binary added later is covered without editing this list;
/// but those that need a feature (the exercises' self-tests), which a plain
/// build leaves out. Each one prints its usage to stdout for `--help`.
fn every_binary() -> BTreeMap<String, PathBuf> {
    let workspace = Workspace::locate();
    let metadata = workspace.metadata().expect("cargo metadata runs");
    let mut packages = Vec::new();
    let mut expected = BTreeSet::new();
    for package in metadata.workspace_packages() {
        let bins: Vec<String> = package
            .targets
            .iter()
            .filter(|target| target.is_bin() && target.required_features.is_empty())
            .map(|target| target.name.clone())
            .collect();
        if !bins.is_empty() {
            packages.push(package.name.to_string());
            expected.extend(bins);
        }
    }
    let binaries = workspace
        .build_binaries(&packages, Profile::Dev)
        .expect("the workspace's binaries build");
    let built: BTreeSet<String> = binaries.keys().cloned().collect();
    assert_eq!(
        built, expected,
        "cargo built other binaries than cargo metadata lists"
    );
    binaries
}

#[test]
fn every_binary_dies_of_sigpipe_when_its_help_meets_a_closed_stdout() {
    let binaries = every_binary();
    for (name, binary) in &binaries {
        assert_died_quietly(
            &format!("{name} --help"),
            &run_with_stdout_closed(binary, &["--help"]),
        );
        assert_said_it_cannot_write(
            &format!("{name} --help > /dev/full"),
            &run_into_dev_full(binary, &["--help"]),
        );
        // Not open at all, it fails as `cat` does, instead of printing into
        // the `/dev/null` Rust's runtime puts there and exiting 0.
        assert_said_stdout_is_closed(
            &format!("{name} --help >&-"),
            &run_without_stdout(binary, &["--help"]),
        );
        // A stdout sent to `/dev/null` on purpose is a stdout.
        let quiet = Command::new(binary)
            .arg("--help")
            .stdout(Stdio::null())
            .status()
            .unwrap_or_else(|error| panic!("{name} does not run: {error}"));
        assert_eq!(quiet.code(), Some(0), "{name} --help > /dev/null");
    }
    let xtask = &binaries["xtask"];
    assert_said_it_cannot_write(
        "xtask list > /dev/full",
        &run_into_dev_full(xtask, &["list"]),
    );
}

/// The same while examples run: their output comes from `println!` in
/// `run()` and in spawned tasks, which the runner would otherwise report as
/// a panicked example.
#[test]
fn a_section_dies_of_sigpipe_when_its_examples_meet_a_closed_stdout() {
    let basics = crate::support::built_section("basics");
    for args in [
        &["--list"][..],
        &["--clock", "virtual"],
        // The first line is printed at once, whatever the clock.
        &["--flavor", "multi_thread", "spawn_tasks"],
    ] {
        assert_died_quietly(
            &format!("basics {args:?}"),
            &run_with_stdout_closed(&basics.binary, args),
        );
        // Not "example basics/... panicked".
        assert_said_it_cannot_write(
            &format!("basics {args:?} > /dev/full"),
            &run_into_dev_full(&basics.binary, args),
        );
        assert_said_stdout_is_closed(
            &format!("basics {args:?} >&-"),
            &run_without_stdout(&basics.binary, args),
        );
    }
}

/// Clap acts on `--help` as soon as it reads it, so `-h --bogus` printed the
/// help and exited 0 where `--bogus -h` was a usage mistake: in every
/// binary, the mistake wins, wherever each stands.
#[test]
fn every_binary_refuses_a_usage_mistake_wherever_help_stands() {
    for (name, binary) in &every_binary() {
        let run = |args: &[&str]| {
            Command::new(binary)
                .args(args)
                .output()
                .unwrap_or_else(|error| panic!("{name} does not run: {error}"))
        };
        let help = run(&["--help"]);
        assert_eq!(help.status.code(), Some(0), "{name} --help: {help:?}");
        let before = run(&["--bogus", "-h"]);
        let after = run(&["-h", "--bogus"]);
        for (args, output) in [("--bogus -h", &before), ("-h --bogus", &after)] {
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{name} {args}: {stderr}");
            assert!(stderr.contains("'--bogus'"), "{name} {args}: {stderr}");
            assert_eq!(output.stdout, b"", "{name} {args}");
        }
    }
}
