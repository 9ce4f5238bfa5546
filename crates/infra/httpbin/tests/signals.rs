//! The standalone httpbin stops gracefully on Ctrl-C (SIGINT) and on
//! SIGTERM, which `kill`, systemd and Docker send: a request in flight is
//! answered whole, and the process exits with code 0.
#![cfg(unix)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rustix::process::Signal;

/// The server's grace period: how long a request in flight gets to finish
/// after the signal (`GRACE_PERIOD` in src/bin/httpbin.rs).
const GRACE: Duration = Duration::from_secs(1);
/// A bound on every wait, so that a server that never stops fails the test
/// rather than hang it; never what decides a pass.
const PATIENCE: Duration = Duration::from_secs(30);

fn stops_gracefully_on(signal: Signal) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_httpbin"));
    command.args(["--port", "0"]).stderr(Stdio::piped());
    let (mut server, first) = proc::serve(command).expect("httpbin starts");
    let mut stderr = server.take_stderr().expect("piped");
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let address = first
        .strip_prefix("httpbin listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line: {first:?}"))
        .trim_end_matches('/');
    let socket = TcpStream::connect(address).expect("it accepts a connection");
    socket.set_read_timeout(Some(PATIENCE)).expect("a timeout");
    // Two bytes 0.1 s apart, the first at once: once its head is here, the
    // request is in flight.
    let request =
        "GET /drip?duration=0.2&numbytes=2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    (&socket)
        .write_all(request.as_bytes())
        .expect("the request goes out");
    let mut reader = BufReader::new(socket);
    let mut status = String::new();
    reader.read_line(&mut status).expect("the status line");
    assert!(status.starts_with("HTTP/1.1 200"), "{status:?}");

    server.signal(signal).expect("the signal is sent");
    let signalled = Instant::now();
    let mut rest = String::new();
    reader
        .read_to_string(&mut rest)
        .expect("the rest of the answer");
    let answered = signalled.elapsed();
    let status = server
        .wait_timeout(PATIENCE)
        .expect("its status")
        .unwrap_or_else(|| panic!("still running {PATIENCE:?} after {signal:?}"));
    let stderr = stderr.join().unwrap_or_default();
    assert!(status.success(), "{signal:?}: {status}; stderr: {stderr}");
    // The last byte is due 0.1 s after the first, well within the grace
    // period. A server held up for most of a second can find the grace
    // over first; it then cuts the answer, says so, and exits 0, which is
    // right too. What it must not do is cut it sooner.
    if !rest.ends_with("\r\n\r\n**") {
        assert!(
            stderr.contains("connections still open") && answered >= GRACE,
            "the answer was cut {answered:?} after {signal:?}: {rest:?}; stderr: {stderr}"
        );
    }
}

#[test]
fn ctrl_c_stops_it_gracefully() {
    stops_gracefully_on(Signal::INT);
}

#[test]
fn sigterm_stops_it_gracefully() {
    stops_gracefully_on(Signal::TERM);
}
