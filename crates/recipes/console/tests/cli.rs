//! The service as a user or a service manager starts it: what it does with
//! a bad address, a busy port, a pipe for stdout and SIGTERM.

use std::net::TcpListener;
use std::process::{Command, Stdio};

fn service() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_console-recipe"));
    command
        .env_remove("TOKIO_CONSOLE_BIND")
        .env_remove("RUST_LOG");
    command
}

#[cfg(feature = "console")]
fn failed_clearly(output: &std::process::Output, expected: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains(expected), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
#[cfg(feature = "console")]
fn an_address_it_cannot_read_is_an_error_not_a_panic() {
    let output = service()
        .args(["1"])
        .env("TOKIO_CONSOLE_BIND", "nonsense")
        .output()
        .unwrap();
    failed_clearly(&output, "TOKIO_CONSOLE_BIND is a HOST:PORT");
}

#[test]
#[cfg(feature = "console")]
fn a_port_in_use_is_an_error_not_a_panic() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let output = service()
        .args(["1"])
        .env("TOKIO_CONSOLE_BIND", &address)
        .output()
        .unwrap();
    failed_clearly(&output, &format!("can't be served on {address}"));
}

/// Piped, as to a log collector, its lines carry no terminal colour codes.
#[test]
fn piped_output_has_no_colour_codes() {
    let free = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = free.local_addr().unwrap().to_string();
    drop(free);
    let output = service()
        .args(["1"])
        .env("TOKIO_CONSOLE_BIND", &address)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(output.stdout.ends_with(b"\n") && !output.stdout.contains(&0x1b));
}

/// SIGTERM, as a service manager stops it: it stops its tasks and exits 0.
#[test]
fn sigterm_stops_it_cleanly() {
    let free = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = free.local_addr().unwrap().to_string();
    drop(free);
    let mut running = service()
        .env("TOKIO_CONSOLE_BIND", &address)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Its first line says the signal handler is there: it is installed
    // before the tasks that write it start.
    let mut first = String::new();
    let stdout = running.stdout.take().unwrap();
    let mut lines = std::io::BufReader::new(stdout);
    std::io::BufRead::read_line(&mut lines, &mut first).unwrap();
    let killed = Command::new("kill")
        .args(["-TERM", &running.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut lines, &mut rest).unwrap();
    let status = running.wait().unwrap();
    assert!(status.success(), "{status}");
    assert!(rest.contains("stopping"), "{rest}");
}
