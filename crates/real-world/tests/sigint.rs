//! Ctrl-C stops `background_services` gracefully: the real binary, sent a
//! real SIGINT while its services run, stops them and exits with code 0.
//! The example itself tells a graceful stop from one cut short: a service
//! still running at the end of its grace period (1 s, for a check of 0.1 s)
//! is aborted, and the run fails. So the tests check what it printed and
//! how it exited, not how long it took, which on a busy machine can be
//! anything.
#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt as _;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// A generous bound on every wait, so a broken binary fails the test
/// instead of hanging it.
const PATIENCE: Duration = Duration::from_secs(30);

/// Kills the child if the test fails before it has exited.
struct Reaper(Child);

impl Drop for Reaper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the real-world binary with `args`, its stdout read line by line
/// on a thread, so every wait below can have a deadline.
fn start(args: &[&str]) -> (Reaper, mpsc::Receiver<String>) {
    let child = Command::new(env!("CARGO_BIN_EXE_real-world"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the real-world binary starts");
    let mut child = Reaper(child);
    let stdout = child.0.stdout.take().expect("stdout is piped");
    let (lines_tx, lines) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, lines)
}

/// Reads lines into `seen` up to the next that starts with `prefix`.
fn read_until(lines: &mpsc::Receiver<String>, seen: &mut Vec<String>, prefix: &str) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => {
                let found = line.starts_with(prefix);
                seen.push(line);
                if found {
                    return;
                }
            }
            Err(error) => panic!("no line {prefix:?} ({error}); output so far: {seen:#?}"),
        }
    }
}

fn send_sigint(child: &Reaper) {
    let pid = child.0.id().to_string();
    let status = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("`kill` runs");
    assert!(status.success(), "kill -INT {pid} failed: {status}");
}

/// Waits for the child to exit, for `PATIENCE` at most.
fn exit(child: &mut Reaper, seen: &[String]) -> ExitStatus {
    let signalled = Instant::now();
    loop {
        if let Some(exit) = child.0.try_wait().expect("the child can be waited for") {
            return exit;
        }
        assert!(
            signalled.elapsed() < PATIENCE,
            "still running {PATIENCE:?} after SIGINT; output: {seen:#?}"
        );
        thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn sigint_stops_the_services_cleanly() {
    let (mut child, lines) = start(&["background_services"]);
    // The first metrics line is printed by a service task, which runs only
    // after `main` has polled `ctrl_c()` and so installed its handler; the
    // run lasts 9.5 s from there.
    let mut seen = Vec::new();
    read_until(&lines, &mut seen, "Metrics:");

    send_sigint(&child);
    let exit = exit(&mut child, &seen);
    seen.extend(lines.iter()); // the sender closes when the child exits
    let mut stderr = String::new();
    if let Some(mut pipe) = child.0.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
    }
    // Code 0: every service saw the shutdown and ended within the grace
    // period; one aborted would have failed the run.
    assert_eq!(
        exit.code(),
        Some(0),
        "exit {exit}; stderr: {stderr}; output: {seen:#?}"
    );
    // The first health check takes 0.1 s from the first metrics line: a
    // signal that came meanwhile (the usual case) found it in progress, and
    // it was finished, not cut off. On a busy machine the signal may come
    // after it; its line is there either way.
    for expected in [
        "Received shutdown signal",
        "Stopping services...",
        "Health check #1 completed",
    ] {
        assert!(
            seen.iter().any(|line| line == expected),
            "no line {expected:?} in {seen:#?}"
        );
    }
    for prefix in ["Service HealthCheck stopped", "Service Metrics stopped"] {
        assert!(
            seen.iter().any(|line| line.starts_with(prefix)),
            "no line starting {prefix:?} in {seen:#?}"
        );
    }
}

/// Once `background_services` is done with Ctrl-C, Ctrl-C ends the process
/// again: sent while the next example runs, it kills the process as it
/// kills that example run alone. (Tokio keeps the signal caught once it has
/// listened: the process ignored the Ctrl-C, ran the second example to its
/// end and exited 0.)
#[test]
fn sigint_after_background_services_ends_the_next_example() {
    // The runner prints an example's header once the one before has
    // returned and its runtime is gone. fetch_with_timeout takes 3 s, and
    // runs ten times: a signal sent after the first header reaches one of
    // them, unless the test is held up for half a minute.
    const RUNS: usize = 10;
    let mut args = vec!["background_services"];
    args.extend(["fetch_with_timeout"; RUNS]);
    let (mut child, lines) = start(&args);
    let mut seen = Vec::new();
    read_until(&lines, &mut seen, "=== real-world/fetch_with_timeout");

    send_sigint(&child);
    let exit = exit(&mut child, &seen);
    seen.extend(lines.iter());
    assert_eq!(
        exit.signal(),
        Some(2),
        "not killed by SIGINT: {exit}; output: {seen:#?}"
    );
    let done = seen.iter().filter(|line| line.starts_with("Both done"));
    assert!(
        done.count() < RUNS,
        "every run of the next example ran to its end: {seen:#?}"
    );
}

/// And an example that catches Ctrl-C after another that did still gets it.
#[test]
fn a_second_example_that_catches_sigint_still_gets_it() {
    let (mut child, lines) = start(&["background_services", "background_services"]);
    // A metrics line of the second run: its `ctrl_c()` has been polled.
    let mut seen = Vec::new();
    read_until(&lines, &mut seen, "=== real-world/background_services");
    read_until(&lines, &mut seen, "=== real-world/background_services");
    let second = seen.len();
    read_until(&lines, &mut seen, "Metrics:");

    send_sigint(&child);
    let exit = exit(&mut child, &seen);
    seen.extend(lines.iter());
    assert_eq!(exit.code(), Some(0), "exit {exit}; output: {seen:#?}");
    assert!(
        seen[second..]
            .iter()
            .any(|line| line == "Received shutdown signal"),
        "the second run did not hear it: {seen:#?}"
    );
}
