//! Guards every server the project ships against a supervisor that never
//! reads its stdout: with that pipe full, SIGINT and SIGTERM still stop it.
//!
//! Each server registers its signals before it prints the line that says
//! where it listens, so that whoever reads the line can't kill it with one;
//! a write that waits for room in the pipe on the thread that would take the
//! signal left only SIGKILL to stop it. The pipe is the fixture: full before
//! the server starts, it holds a write for as long as the test likes, and
//! the signal goes once a thread of the server waits on it.

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rustix::process::Signal;

/// How long the server may take to block on its stdout, or to exit after
/// the signal: a bound against a hang, never what decides a pass.
const PATIENCE: Duration = Duration::from_secs(60);

/// Starts `binary args... --port 0` with its stdout a full pipe nobody
/// reads, sends `signal` once it waits to write there, and checks that it
/// then exits successfully.
fn stops_with_a_full_stdout(binary: &str, args: &[&str], signal: Signal) {
    let (reader, mut writer) = std::io::pipe().expect("a pipe");
    let room = rustix::pipe::fcntl_getpipe_size(&writer).expect("the pipe's size");
    writer.write_all(&vec![b'x'; room]).expect("the pipe fills");
    let mut command = Command::new(crate::support::binary(binary));
    command
        .args(args)
        .args(["--port", "0"])
        .stdout(writer)
        .stderr(Stdio::null());
    let mut server = proc::spawn(command).expect("the server starts");
    let waited = Instant::now();
    while !writes_to_a_full_pipe(server.id()) {
        assert!(
            waited.elapsed() < PATIENCE,
            "{binary}: no thread waited on its stdout"
        );
        if let Some(status) = server.try_wait().expect("its status") {
            panic!("{binary} ended before it wrote to its stdout: {status}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    server.signal(signal).expect("the signal is sent");
    let status = server.wait_timeout(PATIENCE).expect("its status");
    let status = status.unwrap_or_else(|| {
        panic!("{binary} still ran {PATIENCE:?} after {signal:?}, its stdout full")
    });
    assert!(status.success(), "{binary} after {signal:?}: {status}");
    drop(reader);
}

/// Whether a thread of process `pid` waits for room in a pipe: the kernel
/// names where it sleeps (`pipe_write`, or `anon_pipe_write` on newer
/// kernels).
fn writes_to_a_full_pipe(pid: u32) -> bool {
    let Ok(threads) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return false;
    };
    threads.flatten().any(|thread| {
        let wchan = std::fs::read_to_string(thread.path().join("wchan"));
        wchan.is_ok_and(|wchan| wchan.ends_with("pipe_write"))
    })
}

#[test]
fn the_io_servers_stop_with_a_full_stdout() {
    for signal in [Signal::INT, Signal::TERM] {
        stops_with_a_full_stdout("io-serve", &["chat"], signal);
    }
}

#[test]
fn the_graceful_server_stops_with_a_full_stdout() {
    for signal in [Signal::INT, Signal::TERM] {
        stops_with_a_full_stdout("graceful-server", &[], signal);
    }
}

#[test]
fn the_local_httpbin_stops_with_a_full_stdout() {
    for signal in [Signal::INT, Signal::TERM] {
        stops_with_a_full_stdout("httpbin", &[], signal);
    }
}

/// httpbin with its stderr a full pipe nobody reads (a supervisor that
/// reads stdout alone), and a request half sent when SIGTERM comes: past
/// the grace period httpbin says on stderr that it closes the connections
/// still open, and that line must not hold the exit. Written on the
/// runtime's thread, it waited for room for ever, and the signals were
/// httpbin's: only SIGKILL stopped it.
#[test]
fn the_local_httpbin_stops_with_a_full_stderr_and_a_request_open() {
    let (reader, mut writer) = std::io::pipe().expect("a pipe");
    let room = rustix::pipe::fcntl_getpipe_size(&writer).expect("the pipe's size");
    writer.write_all(&vec![b'x'; room]).expect("the pipe fills");
    let mut command = Command::new(crate::support::binary("httpbin"));
    command.args(["--port", "0"]).stderr(writer);
    let (mut server, first) = proc::serve(command).expect("the server starts");
    let address = first
        .split_whitespace()
        .find_map(|word| word.strip_prefix("http://"))
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_owned();
    let mut client = std::net::TcpStream::connect(&address).expect("it accepts");
    client
        .write_all(b"POST /anything HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{")
        .expect("half a request is sent");
    // Until httpbin has read the head: the request is then in flight.
    std::thread::sleep(Duration::from_millis(500));
    server.signal(Signal::TERM).expect("the signal is sent");
    let status = server.wait_timeout(PATIENCE).expect("its status");
    let status = status
        .unwrap_or_else(|| panic!("httpbin still ran {PATIENCE:?} after SIGTERM, its stderr full"));
    assert!(status.success(), "httpbin after SIGTERM: {status}");
    drop((client, reader));
}
