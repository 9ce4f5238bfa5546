//! The io section's subprocess example, interrupted by a real SIGINT while
//! its child waits: the child ends with the process, and holds nothing open.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

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
    // The child that takes too long is started next, and waited for 1 s.
    std::thread::sleep(Duration::from_millis(300));
    section
        .signal(rustix::process::Signal::INT)
        .expect("SIGINT is sent");

    // Its children inherit its stdout, so the end of it means none is left.
    let (ended, end) = mpsc::channel();
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = ended.send(stdout.read_to_string(&mut rest).map(|_| rest));
    });
    let rest = end
        .recv_timeout(Duration::from_secs(5))
        .expect("a child of the section still held its stdout 5 s after SIGINT")
        .expect("the rest of its output");
    assert_eq!(rest, "", "it was still running");
    let status = section.wait().expect("its status");
    assert!(!status.success(), "{status}");
}
