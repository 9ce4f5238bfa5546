//! The graceful_shutdown recipe as a user runs it: the real
//! `graceful-server` binary, a real socket, and Ctrl-C sent as a real
//! SIGINT (SIGTERM as `kill` sends it).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{ChildStdout, Command, ExitStatus, Stdio};
use std::time::Duration;

use proc::Group;
use rustix::process::Signal;

/// Starts `graceful-server --port 0 --grace <grace>` and returns it with the
/// address it printed. It runs in a process group of its own, killed if a
/// test fails before it exits.
fn start(grace: &str) -> (Group, BufReader<ChildStdout>, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_graceful-server"));
    command
        .args(["--port", "0", "--grace", grace])
        .stdin(Stdio::null())
        .stdout(Stdio::piped());
    let mut group = proc::spawn(command).expect("graceful-server starts");
    let mut stdout = BufReader::new(group.take_stdout().expect("piped"));
    let first = next_line(&mut stdout);
    let address = first
        .strip_prefix("listening on ")
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_else(|| panic!("unexpected first line: {first:?}"))
        .to_owned();
    (group, stdout, address)
}

fn next_line(stdout: &mut BufReader<ChildStdout>) -> String {
    let mut line = String::new();
    stdout.read_line(&mut line).expect("a line of output");
    line
}

fn connect(address: &str) -> (BufReader<TcpStream>, TcpStream) {
    let socket = TcpStream::connect(address).expect("it accepts a connection");
    socket
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("a timeout");
    (BufReader::new(socket.try_clone().expect("a clone")), socket)
}

fn read_line(reader: &mut BufReader<TcpStream>) -> String {
    let mut line = String::new();
    reader.read_line(&mut line).expect("a line from the server");
    line
}

/// Connects and starts `ms` milliseconds of work.
fn busy_client(address: &str, ms: u64) -> BufReader<TcpStream> {
    let (mut reader, mut writer) = connect(address);
    writer
        .write_all(format!("{ms}\n").as_bytes())
        .expect("a request goes out");
    assert!(read_line(&mut reader).starts_with("started: "));
    reader
}

fn exits_within(server: &mut Group, limit: Duration) -> ExitStatus {
    server
        .wait_timeout(limit)
        .expect("its status")
        .unwrap_or_else(|| panic!("the server is still running {limit:?} after the signal"))
}

fn rest_of(mut stdout: BufReader<ChildStdout>) -> String {
    let mut rest = String::new();
    stdout
        .read_to_string(&mut rest)
        .expect("the rest of its output");
    rest
}

#[test]
fn ctrl_c_lets_the_work_in_flight_finish_and_exits_0() {
    let (mut server, mut stdout, address) = start("10");
    let (mut idle, _idle_writer) = connect(&address);
    let mut busy = busy_client(&address, 500);

    server.signal(Signal::INT).expect("SIGINT is sent");
    assert!(next_line(&mut stdout).starts_with("server: Ctrl-C: no new connections; 2 still open"));
    assert_eq!(
        read_line(&mut idle),
        "",
        "the idle connection closes at once"
    );
    assert!(
        TcpStream::connect(&address).is_err(),
        "a new client is refused"
    );
    assert_eq!(read_line(&mut busy), "done: 500ms of work\n");
    assert_eq!(read_line(&mut busy), "", "then the end of the stream");
    assert!(exits_within(&mut server, Duration::from_secs(10)).success());
    assert_eq!(
        rest_of(stdout),
        "stopped gracefully: every connection finished\n"
    );
}

#[test]
fn a_second_ctrl_c_stops_at_once_and_exits_1() {
    let (mut server, mut stdout, address) = start("60");
    let mut busy = busy_client(&address, 60_000);

    server.signal(Signal::INT).expect("SIGINT is sent");
    assert!(next_line(&mut stdout).starts_with("server: Ctrl-C:"));
    server.signal(Signal::INT).expect("SIGINT is sent again");
    assert_eq!(
        exits_within(&mut server, Duration::from_secs(10)).code(),
        Some(1)
    );
    assert_eq!(read_line(&mut busy), "", "the work is cut off");
    assert_eq!(
        rest_of(stdout),
        "stopped at once by a second Ctrl-C, cutting off 1 connection\n"
    );
}

#[test]
fn sigterm_waits_out_the_grace_period_then_exits_1() {
    let (mut server, mut stdout, address) = start("0.5");
    let mut busy = busy_client(&address, 60_000);

    server.signal(Signal::TERM).expect("SIGTERM is sent");
    assert!(next_line(&mut stdout).starts_with("server: SIGTERM:"));
    assert_eq!(
        exits_within(&mut server, Duration::from_secs(10)).code(),
        Some(1)
    );
    assert_eq!(read_line(&mut busy), "", "the work is cut off");
    assert_eq!(
        rest_of(stdout),
        "stopped after the grace period of 500ms, cutting off 1 connection\n"
    );
}

#[test]
fn bad_arguments_are_a_usage_error() {
    for args in [
        &["--port", "70000"][..],
        &["--grace", "-1"],
        &["--grace", "soon"],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_graceful-server"))
            .args(args)
            .output()
            .expect("it runs");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.starts_with("error: invalid value"), "{stderr}");
    }
}
