//! The io section's subprocess example, interrupted by a real SIGINT while
//! its child waits: the child ends with the process, and holds nothing open.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rustix::process::Signal;

/// A bound on every wait, so that a broken section fails the test rather
/// than hang it; never what decides a pass.
const PATIENCE: Duration = Duration::from_secs(30);

#[test]
fn a_sigint_leaves_no_child_running() {
    let mut command = Command::new(env!("CARGO_BIN_EXE_io"));
    command
        .arg("subprocess")
        .stdin(Stdio::null())
        .stdout(Stdio::piped());
    let mut section = proc::spawn(command).expect("the io section starts");
    let mut stdout = BufReader::new(section.take_stdout().expect("piped"));
    let mut line = String::new();
    while !line.starts_with("cat gave back") {
        line.clear();
        let read = stdout.read_line(&mut line).expect("a line of output");
        assert!(
            read > 0,
            "the section ended before its timeout's child started"
        );
    }
    // The child that takes too long is started next, and waited for 1 s;
    // then another, for 1 s too. The signal goes to the section stopped
    // with one of them running, so that it finds what the test saw however
    // late the test is.
    stop_with_a_cat_running(&section);
    section.signal(Signal::INT).expect("SIGINT is sent");
    section.signal(Signal::CONT).expect("SIGCONT is sent");

    // Its children inherit its stdout, so the end of it means none is left.
    let (ended, end) = mpsc::channel();
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = ended.send(stdout.read_to_string(&mut rest).map(|_| rest));
    });
    let rest = end
        .recv_timeout(PATIENCE)
        .expect("a child of the section still held its stdout after SIGINT")
        .expect("the rest of its output");
    // Nothing more, or, if the test found the second child, the first's
    // timeout, printed before the section was stopped.
    let first_timeout = "cat, waiting for input, timed out after";
    assert!(
        rest.is_empty() || (rest.starts_with(first_timeout) && rest.lines().count() == 1),
        "it was still running: {rest:?}"
    );
    let status = section.wait().expect("its status");
    assert!(!status.success(), "{status}");
}

/// Stops `section` (SIGSTOP) at a moment it has a `cat` child running, and
/// returns with it stopped.
fn stop_with_a_cat_running(section: &proc::Group) {
    let has_cat = || {
        proc::processes()
            .iter()
            .any(|p| p.parent == section.id() && p.name == "cat" && !p.zombie)
    };
    let deadline = Instant::now() + PATIENCE;
    loop {
        if has_cat() {
            section.signal(Signal::STOP).expect("SIGSTOP is sent");
            while !stopped(section.id()) {
                assert!(Instant::now() < deadline, "the section never stopped");
                std::thread::sleep(Duration::from_millis(1));
            }
            // Killed between the look and the stop: look for the next one.
            if has_cat() {
                return;
            }
            section.signal(Signal::CONT).expect("SIGCONT is sent");
        }
        assert!(
            Instant::now() < deadline,
            "no `cat` of the section's running in {PATIENCE:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Whether every thread of process `pid` is stopped (`T` in its stat).
fn stopped(pid: u32) -> bool {
    let Ok(threads) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return false;
    };
    threads.flatten().all(|thread| {
        let stat = std::fs::read_to_string(thread.path().join("stat")).unwrap_or_default();
        stat.rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('T'))
    })
}
