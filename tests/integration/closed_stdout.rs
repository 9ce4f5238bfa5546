//! `cargo run -p basics | head` ends as `cat | head` does: whichever binary
//! of the workspace finds its stdout closed dies of SIGPIPE, silently,
//! instead of panicking with "failed printing to stdout" and a backtrace.
//! Any other error writing stdout (`> /dev/full`) is one line on stderr and
//! exit code 1, never a panic; but `httpbin --port N`, whose line only
//! repeats the port it was given, serves on. A stdout on `/dev/null`,
//! opened read-write as a supervisor opens it (Python's
//! `subprocess.DEVNULL`), is a stdout.
#![cfg(unix)]

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use xtask::workspace::Workspace;

const SIGPIPE: i32 = 13;

/// Where a run's stdout goes.
#[derive(Clone, Copy)]
enum Stdout {
    /// A pipe whose read end is dropped before the binary starts, so its
    /// first write fails however fast it is.
    Closed,
    /// `/dev/full`, where every write fails with "No space left on device".
    Full,
    /// `/dev/null` opened read-write, as Python's `subprocess.DEVNULL`,
    /// Node's `'ignore'` and Rust's runtime (for a stdout closed at start-up,
    /// a shell's `>&-`) open it.
    Null,
    /// Not open at all: a shell's `>&-`, which std's `Command` can't ask for.
    Missing,
}

fn run(binary: &Path, args: &[&str], stdout: Stdout) -> Output {
    let mut command = Command::new(binary);
    command.args(args);
    match stdout {
        Stdout::Closed => {
            let (reader, writer) = std::io::pipe().expect("a pipe");
            drop(reader);
            command.stdout(writer);
        }
        Stdout::Full => {
            let full = std::fs::OpenOptions::new().write(true).open("/dev/full");
            command.stdout(full.expect("/dev/full opens"));
        }
        Stdout::Null => {
            let null = std::fs::File::options()
                .read(true)
                .write(true)
                .open("/dev/null");
            command.stdout(null.expect("/dev/null opens"));
        }
        Stdout::Missing => {
            command = Command::new("sh");
            let script = "exec \"$0\" \"$@\" >&-";
            command.args(["-c", script]).arg(binary).args(args);
        }
    }
    // The panic this guards against prints a backtrace under it.
    command.stderr(Stdio::piped()).env("RUST_BACKTRACE", "1");
    let output = command.output();
    output.unwrap_or_else(|error| panic!("{} does not run: {error}", binary.display()))
}

/// `binary args` ends as `cat` does: with its stdout closed, it dies of
/// SIGPIPE without a word; on `/dev/full` it says once that it cannot write,
/// never a panic, and exits 1, although several threads may have failed to
/// print.
#[track_caller]
fn ends_as_cat_does(what: &str, binary: &Path, args: &[&str]) {
    let stderr = |output: &Output| String::from_utf8_lossy(&output.stderr).into_owned();
    let closed = run(binary, args, Stdout::Closed);
    let said = stderr(&closed);
    assert_eq!(closed.status.signal(), Some(SIGPIPE), "{what}: {closed:?}");
    assert_eq!(said, "", "{what}");
    let full = run(binary, args, Stdout::Full);
    let said = stderr(&full);
    assert_eq!(full.status.code(), Some(1), "{what} > /dev/full: {said}");
    let cannot = "error: cannot write to stdout: No space left on device (os error 28)\n";
    assert!(said.ends_with(cannot), "{what} > /dev/full: {said}");
    assert!(!said.contains("panicked"), "{what} > /dev/full: {said}");
    let once = said.matches("cannot write to stdout").count() == 1;
    assert!(once, "{what} > /dev/full: {said}");
}

/// `binary args` runs on `/dev/null` opened read-write as it does anywhere
/// else; so it does with no stdout at all, which Rust's runtime replaces with
/// that same `/dev/null` before `main`, so that nothing can tell the two apart.
#[track_caller]
fn runs_on_dev_null(what: &str, binary: &Path, args: &[&str]) {
    for (stdout, how) in [
        (Stdout::Null, "on a read-write /dev/null"),
        (Stdout::Missing, ">&-"),
    ] {
        let output = run(binary, args, stdout);
        let said = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{what} {how}: {said}");
        assert_eq!(said, "", "{what} {how}");
    }
}

/// Every binary target of every workspace package, read from `cargo
/// metadata`, so a binary added later is covered without editing this list;
/// but those that need a feature (the exercises' self-tests), which a plain
/// build leaves out. Each one prints its usage to stdout for `--help`.
fn every_binary() -> Vec<(String, PathBuf)> {
    let workspace = Workspace::locate();
    let metadata = workspace.metadata().expect("cargo metadata runs");
    let targets = metadata.workspace_packages().into_iter();
    let targets = targets.flat_map(|package| &package.targets);
    let bins = targets.filter(|target| target.is_bin() && target.required_features.is_empty());
    let binary = |name: &String| (name.clone(), crate::support::binary(name));
    bins.map(|target| binary(&target.name)).collect()
}

#[test]
fn every_binary_dies_of_sigpipe_when_its_help_meets_a_closed_stdout() {
    for (name, binary) in &every_binary() {
        ends_as_cat_does(&format!("{name} --help"), binary, &["--help"]);
        runs_on_dev_null(&format!("{name} --help"), binary, &["--help"]);
        // A stdout sent to `/dev/null` on purpose is a stdout.
        let quiet = Command::new(binary)
            .arg("--help")
            .stdout(Stdio::null())
            .status()
            .unwrap_or_else(|error| panic!("{name} does not run: {error}"));
        assert_eq!(quiet.code(), Some(0), "{name} --help > /dev/null");
    }
    let xtask = crate::support::binary("xtask");
    ends_as_cat_does("xtask list", &xtask, &["list"]);
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
        // Not "example basics/... panicked".
        ends_as_cat_does(&format!("basics {args:?}"), &basics.binary, args);
    }
    runs_on_dev_null("basics --list", &basics.binary, &["--list"]);
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

/// httpbin on a port the system chose says which in its one line: if that
/// line can't be written, nobody can reach it, so it stops.
#[test]
fn httpbin_stops_when_it_cannot_say_the_port_the_system_chose() {
    let full = std::fs::File::options()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full opens");
    let mut httpbin = Command::new(crate::support::binary("httpbin"))
        .args(["--port", "0"])
        .stdout(full)
        .stderr(Stdio::piped())
        .spawn()
        .expect("httpbin runs");
    // One that serves on is stopped, and fails the test, not hangs it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while httpbin
        .try_wait()
        .expect("httpbin can be waited for")
        .is_none()
    {
        if std::time::Instant::now() > deadline {
            let _ = httpbin.kill();
            panic!("httpbin served on though nobody can learn its port");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let output = httpbin
        .wait_with_output()
        .expect("httpbin's stderr is read");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot say which port"), "{stderr}");
}

/// The other side: on a port it was given, httpbin serves though its line
/// can't be written.
#[test]
fn httpbin_on_a_port_it_was_given_serves_though_its_line_cannot_be_written() {
    // A port free a moment ago; another process taking it meanwhile would
    // fail the test, not pass it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let full = std::fs::File::options()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full opens");
    let mut httpbin = Command::new(crate::support::binary("httpbin"))
        .args(["--port", &port.to_string()])
        .stdout(full)
        .stderr(Stdio::null())
        .spawn()
        .expect("httpbin runs");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let answered = loop {
        if let Ok(Some(status)) = httpbin.try_wait() {
            break Err(format!("httpbin ended: {status}"));
        }
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read as _, Write as _};
            let request = "GET /get HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
            let mut answer = String::new();
            let exchanged = stream
                .write_all(request.as_bytes())
                .and_then(|()| stream.read_to_string(&mut answer));
            break exchanged.map(|_| answer).map_err(|error| error.to_string());
        }
        if std::time::Instant::now() > deadline {
            break Err("httpbin never listened".to_owned());
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let _ = httpbin.kill();
    let _ = httpbin.wait();
    let answer = answered.unwrap_or_else(|why| panic!("{why}"));
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}
