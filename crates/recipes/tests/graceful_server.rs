//! The graceful_shutdown recipe as a user runs it: the real
//! `graceful-server` binary, a real socket, and Ctrl-C sent as a real
//! SIGINT (SIGTERM as `kill` sends it).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{ChildStderr, Command, ExitStatus, Stdio};
use std::time::Duration;

use proc::Group;
use rustix::process::Signal;

/// Starts `graceful-server --port 0 --grace <grace>` and returns it with the
/// address it printed on stdout, and its stderr, where it says everything
/// else. It runs in a process group of its own, killed if a test fails
/// before it exits.
fn start(grace: &str) -> (Group, BufReader<ChildStderr>, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_graceful-server"));
    command
        .args(["--port", "0", "--grace", grace])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut group = proc::spawn(command).expect("graceful-server starts");
    let stderr = BufReader::new(group.take_stderr().expect("piped"));
    let first = next_line(&mut BufReader::new(group.take_stdout().expect("piped")));
    (group, stderr, address(&first))
}

/// The address in the server's first line, "listening on ADDRESS; ...".
fn address(first: &str) -> String {
    first
        .strip_prefix("listening on ")
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_else(|| panic!("unexpected first line: {first:?}"))
        .to_owned()
}

fn next_line(output: &mut impl BufRead) -> String {
    let mut line = String::new();
    output.read_line(&mut line).expect("a line of output");
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

fn rest_of(mut output: BufReader<ChildStderr>) -> String {
    let mut rest = String::new();
    output
        .read_to_string(&mut rest)
        .expect("the rest of its output");
    rest
}

#[test]
fn ctrl_c_lets_the_work_in_flight_finish_and_exits_0() {
    let (mut server, mut stderr, address) = start("10");
    let (mut idle, _idle_writer) = connect(&address);
    let mut busy = busy_client(&address, 500);

    server.signal(Signal::INT).expect("SIGINT is sent");
    assert!(next_line(&mut stderr).starts_with("server: Ctrl-C: no new connections; 2 still open"));
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
        rest_of(stderr),
        "stopped gracefully: every connection finished\n"
    );
}

#[test]
fn a_second_ctrl_c_stops_at_once_and_exits_1() {
    let (mut server, mut stderr, address) = start("60");
    let mut busy = busy_client(&address, 60_000);

    server.signal(Signal::INT).expect("SIGINT is sent");
    assert!(next_line(&mut stderr).starts_with("server: Ctrl-C:"));
    server.signal(Signal::INT).expect("SIGINT is sent again");
    assert_eq!(
        exits_within(&mut server, Duration::from_secs(10)).code(),
        Some(1)
    );
    assert_eq!(read_line(&mut busy), "", "the work is cut off");
    assert_eq!(
        rest_of(stderr),
        "stopped at once by a second Ctrl-C, cutting off 1 connection\n"
    );
}

#[test]
fn sigterm_waits_out_the_grace_period_then_exits_1() {
    let (mut server, mut stderr, address) = start("0.5");
    let mut busy = busy_client(&address, 60_000);

    server.signal(Signal::TERM).expect("SIGTERM is sent");
    assert!(next_line(&mut stderr).starts_with("server: SIGTERM:"));
    assert_eq!(
        exits_within(&mut server, Duration::from_secs(10)).code(),
        Some(1)
    );
    assert_eq!(read_line(&mut busy), "", "the work is cut off");
    assert_eq!(
        rest_of(stderr),
        "stopped after the grace period of 500ms, cutting off 1 connection\n"
    );
}

/// The recipe's `MAX_CONNECTIONS`.
const MAX_CONNECTIONS: usize = 250;

#[test]
fn clients_past_the_cap_wait_and_none_is_lost() {
    let (mut server, _stderr, address) = start("10");
    // Each served once, so each is surely accepted and holds a place.
    let mut served: Vec<_> = (0..MAX_CONNECTIONS)
        .map(|_| {
            let (mut reader, mut writer) = connect(&address);
            writer.write_all(b"0\n").expect("a request goes out");
            assert_eq!(read_line(&mut reader), "started: 0ns of work\n");
            assert_eq!(read_line(&mut reader), "done: 0ns of work\n");
            (reader, writer)
        })
        .collect();

    // One more connects (the system completes the handshake) but waits,
    // not accepted, with its request unanswered.
    let (mut waiting, mut request) = connect(&address);
    request.write_all(b"0\n").expect("a request goes out");
    waiting
        .get_ref()
        .set_read_timeout(Some(Duration::from_millis(500)))
        .expect("a timeout");
    let mut line = String::new();
    let early = waiting.read_line(&mut line);
    assert!(
        early.as_ref().is_err_and(|error| matches!(
            error.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        )),
        "a client past the cap was not left waiting: {early:?} {line:?}"
    );

    // One connection ends, and the one waiting takes its place.
    drop(served.remove(0));
    waiting
        .get_ref()
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("a timeout");
    assert_eq!(read_line(&mut waiting), "started: 0ns of work\n");
    assert_eq!(read_line(&mut waiting), "done: 0ns of work\n");

    server.signal(Signal::INT).expect("SIGINT is sent");
    assert!(exits_within(&mut server, Duration::from_secs(10)).success());
}

/// With its output a pipe nobody reads (`2>&1 | a reader that stalls`), the
/// server goes on serving, and stops on Ctrl-C: its lines are dropped and
/// counted, not waited for. (It wrote its errors from the runtime's tasks:
/// after about 1,200 failed connections the pipe was full, and it served no
/// one, nor stopped. Its "no new connections" line, printed from the
/// runtime's thread on the first signal, once stopped the second.)
#[test]
fn output_nobody_reads_stops_nothing() {
    let (output, input) = std::io::pipe().expect("a pipe");
    let mut command = Command::new(env!("CARGO_BIN_EXE_graceful-server"));
    command
        .args(["--port", "0", "--grace", "60"])
        .stdin(Stdio::null())
        .stdout(input.try_clone().expect("a clone"))
        .stderr(input);
    let mut server = proc::spawn(command).expect("graceful-server starts");
    // Read up to the address, and never again.
    let address = address(&next_line(&mut BufReader::new(
        output.try_clone().expect("a clone"),
    )));

    // Clients that send requests and reset the connection: each is an
    // error line, about 60 bytes, and 3,000 are some 180 KB, more than a
    // pipe holds (64 KiB by default) and than the printer's backlog.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        for _ in 0..3_000 {
            let sent = tokio::time::timeout(Duration::from_secs(2), async {
                let mut socket = tokio::net::TcpStream::connect(&address).await?;
                tokio::io::AsyncWriteExt::write_all(&mut socket, &b"x\n".repeat(100)).await?;
                // Closed with a reset, not a goodbye.
                socket.set_zero_linger()
            });
            // A server that stopped accepting fails below.
            if sent.await.is_err() {
                break;
            }
        }
    });
    drop(runtime);

    let socket = TcpStream::connect_timeout(
        &address.parse().expect("an address"),
        Duration::from_secs(10),
    )
    .expect("a client is still accepted");
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("a timeout");
    let (mut reader, mut writer) = (BufReader::new(socket.try_clone().expect("a clone")), socket);
    writer.write_all(b"60000\n").expect("a request goes out");
    assert_eq!(read_line(&mut reader), "started: 60s of work\n");
    server.signal(Signal::INT).expect("SIGINT is sent");
    // The first signal's line can't be written: it is dropped, and the
    // second signal still stops the work in flight. The second is sent once
    // the first has closed the listening socket, so the two can't merge.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(&address).is_ok() {
        assert!(
            std::time::Instant::now() < deadline,
            "the first signal closed nothing"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    server.signal(Signal::INT).expect("SIGINT is sent again");
    assert_eq!(
        exits_within(&mut server, Duration::from_secs(10)).code(),
        Some(1)
    );
    drop(output);
}

#[test]
fn bad_arguments_are_a_usage_error() {
    for args in [
        &["--port", "70000"][..],
        &["--grace", "-1"],
        &["--grace", "soon"],
    ] {
        let stderr = usage_error(args);
        assert!(stderr.starts_with("error: invalid value"), "{stderr}");
    }
    // The demonstration picks its own ports and grace: it refuses to be
    // told them rather than ignore them.
    for args in [&["--demo", "--port", "5"][..], &["--demo", "--grace", "1"]] {
        let stderr = usage_error(args);
        assert!(stderr.contains("cannot be used with"), "{stderr}");
    }
}

/// What graceful-server says on stderr when `args` are refused with exit
/// code 2.
fn usage_error(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_graceful-server"))
        .args(args)
        .output()
        .expect("it runs");
    assert_eq!(output.status.code(), Some(2), "{args:?}");
    String::from_utf8_lossy(&output.stderr).into_owned()
}
