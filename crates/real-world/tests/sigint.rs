//! Ctrl-C stops `background_services` gracefully: the real binary, sent a
//! real SIGINT while its services run, stops them and exits with code 0
//! within a second.
#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// How long the services may take to stop after the signal.
const STOP_WITHIN: Duration = Duration::from_secs(1);
/// A generous bound for anything else, so a broken binary fails the test
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

#[test]
fn sigint_stops_the_services_cleanly() {
    let child = Command::new(env!("CARGO_BIN_EXE_real-world"))
        .arg("background_services")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the real-world binary starts");
    let mut child = Reaper(child);
    let pid = child.0.id().to_string();

    // Read stdout on a thread, so every wait below can have a deadline.
    let stdout = child.0.stdout.take().expect("stdout is piped");
    let (lines_tx, lines) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });

    // The first metrics line is printed by a service task, which runs only
    // after `main` has polled `ctrl_c()` and so installed its handler.
    let mut seen = Vec::new();
    let deadline = Instant::now() + PATIENCE;
    while !seen
        .iter()
        .any(|line: &String| line.starts_with("Metrics:"))
    {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => seen.push(line),
            Err(error) => panic!("no metrics line ({error}); output so far: {seen:#?}"),
        }
    }

    let status = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("`kill` runs");
    assert!(status.success(), "kill -INT {pid} failed: {status}");
    let signalled = Instant::now();

    let exit = loop {
        if let Some(exit) = child.0.try_wait().expect("the child can be waited for") {
            break exit;
        }
        assert!(
            signalled.elapsed() < STOP_WITHIN,
            "still running {STOP_WITHIN:?} after SIGINT; output: {seen:#?}"
        );
        thread::sleep(Duration::from_millis(10));
    };
    let stopped_after = signalled.elapsed();

    seen.extend(lines.iter()); // the sender closes when the child exits
    let mut stderr = String::new();
    if let Some(mut pipe) = child.0.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
    }
    assert_eq!(
        exit.code(),
        Some(0),
        "exit {exit}; stderr: {stderr}; output: {seen:#?}"
    );
    assert!(
        stopped_after < STOP_WITHIN,
        "took {stopped_after:?} to stop"
    );
    // The health check in progress when the signal came was finished, not
    // cut off.
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
