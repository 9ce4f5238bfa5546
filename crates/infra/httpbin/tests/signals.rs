//! The standalone httpbin stops gracefully on Ctrl-C (SIGINT) and on
//! SIGTERM, which `kill`, systemd and Docker send: a request in flight is
//! answered whole, and the process exits with code 0.
#![cfg(unix)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use rustix::process::Signal;

/// How long the server may take to exit after the signal: its grace
/// period is 1 s.
const EXIT_WITHIN: Duration = Duration::from_secs(5);

fn stops_gracefully_on(signal: Signal) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_httpbin"));
    command.args(["--port", "0"]);
    let (mut server, first) = proc::serve(command).expect("httpbin starts");
    let address = first
        .strip_prefix("httpbin listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line: {first:?}"))
        .trim_end_matches('/');
    let socket = TcpStream::connect(address).expect("it accepts a connection");
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("a timeout");
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
    let mut rest = String::new();
    reader
        .read_to_string(&mut rest)
        .expect("the rest of the answer");
    assert!(rest.ends_with("\r\n\r\n**"), "the answer was cut: {rest:?}");
    let status = server
        .wait_timeout(EXIT_WITHIN)
        .expect("its status")
        .unwrap_or_else(|| panic!("still running {EXIT_WITHIN:?} after {signal:?}"));
    assert!(status.success(), "{signal:?}: {status}");
}

#[test]
fn ctrl_c_stops_it_gracefully() {
    stops_gracefully_on(Signal::INT);
}

#[test]
fn sigterm_stops_it_gracefully() {
    stops_gracefully_on(Signal::TERM);
}
