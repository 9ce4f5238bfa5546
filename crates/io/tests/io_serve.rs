//! The standalone servers, as a user runs them: the real `io-serve` binary,
//! a real socket, and Ctrl-C sent as a real SIGINT (or SIGTERM, as `kill`
//! sends it).

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::{ChildStdout, Command, ExitStatus, Stdio};
use std::time::Duration;

use proc::Group;

/// How long a client waits for the server, and the test for it to exit: a
/// bound against a hang, never what decides a pass. Which of its time
/// limits ended a connection, the server's log says.
const PATIENCE: Duration = Duration::from_secs(60);

/// Starts `io-serve <server> --port 0` and returns it with the address it
/// printed. The server runs in a process group of its own, killed if a test
/// fails before it exits, so that no orphan holds the test's output open.
fn start(server: &str) -> (Group, BufReader<ChildStdout>, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_io-serve"));
    command
        .args([server, "--port", "0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped());
    let mut group = proc::spawn(command).expect("io-serve starts");
    let mut stdout = BufReader::new(group.take_stdout().expect("piped"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("it prints its address");
    let address = first
        .strip_prefix("listening on ")
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_else(|| panic!("unexpected first line: {first:?}"))
        .to_owned();
    (group, stdout, address)
}

fn connect(address: &str) -> (BufReader<TcpStream>, TcpStream) {
    let socket = TcpStream::connect(address).expect("it accepts a connection");
    socket.set_read_timeout(Some(PATIENCE)).expect("a timeout");
    (BufReader::new(socket.try_clone().expect("a clone")), socket)
}

fn read_line(reader: &mut BufReader<TcpStream>) -> String {
    let mut line = String::new();
    reader.read_line(&mut line).expect("a line from the server");
    line
}

/// Ctrl-C, as a terminal sends it to the server alone.
fn interrupt(server: &Group) {
    server
        .signal(rustix::process::Signal::INT)
        .expect("SIGINT is sent");
}

/// Waits for the server to exit.
fn exits(server: &mut Group) -> ExitStatus {
    server
        .wait_timeout(PATIENCE)
        .expect("its status")
        .unwrap_or_else(|| panic!("the server is still running {PATIENCE:?} after the signal"))
}

/// What the server printed after its address, once it has exited.
fn rest_of(mut stdout: BufReader<ChildStdout>) -> String {
    let mut rest = String::new();
    stdout
        .read_to_string(&mut rest)
        .expect("the rest of its output");
    rest
}

#[test]
fn the_chat_server_takes_a_real_client_and_stops_cleanly_on_sigint() {
    let (mut server, stdout, address) = start("chat");
    let (mut reader, mut writer) = connect(&address);
    assert_eq!(read_line(&mut reader), "your name?\n");
    writer.write_all(b"tester\n").expect("the name goes out");
    assert_eq!(
        read_line(&mut reader),
        "welcome, tester; 0 already connected\n"
    );

    interrupt(&server);
    assert_eq!(read_line(&mut reader), "server shutting down\n");
    assert_eq!(read_line(&mut reader), "", "then the end of the stream");
    let status = exits(&mut server);
    assert!(status.success(), "{status}");
    assert_eq!(
        rest_of(stdout),
        "chat: stopped listening; 1 connection still open\nshut down\n"
    );
}

/// The shutdown ends the wait for a name: the server does not wait out the
/// 30 s it gives for one, which it would log.
#[test]
fn the_chat_server_shuts_down_while_a_client_has_not_given_its_name() {
    let (mut server, stdout, address) = start("chat");
    let (mut reader, _writer) = connect(&address);
    assert_eq!(read_line(&mut reader), "your name?\n");

    interrupt(&server);
    assert_eq!(read_line(&mut reader), "server shutting down\n");
    assert_eq!(read_line(&mut reader), "", "then the end of the stream");
    assert!(exits(&mut server).success());
    assert_eq!(
        rest_of(stdout),
        "chat: stopped listening; 1 connection still open\nshut down\n"
    );
}

/// A client that reads nothing while others talk: its connection's task
/// waits for room to send, and the shutdown gives it the goodbye's 500 ms,
/// not the 5 s a line has, which the log tells apart.
#[test]
fn the_chat_server_shuts_down_while_a_client_does_not_read() {
    let (mut server, stdout, address) = start("chat");
    let join = |name: &str| {
        let (mut reader, mut writer) = connect(&address);
        assert_eq!(read_line(&mut reader), "your name?\n");
        writer
            .write_all(format!("{name}\n").as_bytes())
            .expect("the name goes out");
        assert!(read_line(&mut reader).starts_with("welcome, "));
        (reader, writer)
    };
    // The sink joins and then reads nothing, so once its socket's buffers
    // are full, its connection's task is stuck writing to it.
    let _sink = join("sink");
    let (mut observer, _observer_writer) = join("observer");
    let (_talker_reader, mut talker) = join("talker");

    // 64 MiB of chat, far more than loopback buffers hold, then a last line.
    let talking = std::thread::spawn(move || {
        let lines = format!("{}\n", "x".repeat(1023)).repeat(64);
        for _ in 0..1024 {
            talker
                .write_all(lines.as_bytes())
                .expect("the talker talks");
        }
        talker.write_all(b"done\n").expect("the talker is done");
        talker
    });
    // The observer reads all along; its hearing the last line means the
    // server has read everything the talker sent, so no reset from unread
    // input can cut the goodbyes short.
    while read_line(&mut observer) != "talker: done\n" {}
    let _talker = talking.join().expect("the talker thread");

    interrupt(&server);
    let mut heard = read_line(&mut observer);
    if heard == "sink left\n" {
        // The sink's task already gave up, on a slow machine.
        heard = read_line(&mut observer);
    }
    assert_eq!(heard, "server shutting down\n");
    assert_eq!(read_line(&mut observer), "", "then the end of the stream");
    assert!(exits(&mut server).success());
    let rest = rest_of(stdout);
    let (_, shutdown) = rest
        .split_once("chat: stopped listening;")
        .unwrap_or_else(|| panic!("{rest}"));
    for line in shutdown.lines().skip(1) {
        assert!(
            line == "shut down" || line.ends_with("no room for a line in 500ms"),
            "after the shutdown began: {line:?}\n{rest}"
        );
    }
}

/// SIGTERM, which `kill`, systemd and Docker send, stops it as Ctrl-C
/// does: the client is told, and the server exits with code 0.
#[test]
fn the_echo_server_stops_cleanly_on_sigterm() {
    let (mut server, stdout, address) = start("echo");
    let (mut reader, mut writer) = connect(&address);
    writer.write_all(b"hi\n").expect("a line goes out");
    assert_eq!(read_line(&mut reader), "echo: hi\n");

    server
        .signal(rustix::process::Signal::TERM)
        .expect("SIGTERM is sent");
    assert_eq!(read_line(&mut reader), "server shutting down\n");
    assert_eq!(read_line(&mut reader), "", "then the end of the stream");
    assert!(exits(&mut server).success());
    let rest = rest_of(stdout);
    assert!(rest.ends_with("shut down\n"), "{rest}");
}

#[test]
fn the_echo_server_echoes_for_a_real_client() {
    let (mut server, _stdout, address) = start("echo");
    let (mut reader, mut writer) = connect(&address);
    writer.write_all(b"hi there\n").expect("a line goes out");
    assert_eq!(read_line(&mut reader), "echo: hi there\n");
    interrupt(&server);
    assert!(exits(&mut server).success());
}

/// A client whose echoes the server is waiting to send when it shuts down:
/// the shutdown gives the reply and the goodbye 500 ms, not the 5 s a reply
/// has, which the log tells apart. The client sends until its writes have
/// stalled for a second, most likely with the server waiting for room; a
/// server only held up that long (a busy machine) may find room for the
/// goodbye after all and close cleanly, which is right too: so the verdict
/// is what ended the connection once the server stopped listening, never
/// the 5 s limit, and a run that found room proves less but cannot fail.
#[test]
fn the_echo_server_shuts_down_while_a_client_does_not_read() {
    let (mut server, stdout, address) = start("echo");
    let (_reader, mut writer) = connect(&address);
    writer
        .set_write_timeout(Some(Duration::from_secs(1)))
        .expect("a timeout");
    let lines = "a line to echo\n".repeat(4096);
    let mut sent = 0;
    loop {
        match writer.write(lines.as_bytes()) {
            Ok(written) => sent += written,
            Err(error) if error.kind() == ErrorKind::WouldBlock => break,
            Err(error) => panic!("writing failed after {sent} bytes: {error}"),
        }
        assert!(sent < 1 << 30, "the server never stopped reading");
    }

    interrupt(&server);
    assert!(exits(&mut server).success());
    let rest = rest_of(stdout);
    let (_, shutdown) = rest
        .split_once("server: stopped listening; 1 connection still open\n")
        .unwrap_or_else(|| panic!("{rest}"));
    for line in shutdown.lines() {
        assert!(
            line == "shut down" || line.ends_with("no room for the goodbye in 500ms"),
            "after the shutdown began: {line:?}\n{rest}"
        );
    }
}

/// With its stdout a pipe nobody reads, the echo server goes on serving,
/// and stops on Ctrl-C: the lines that don't fit are dropped and counted,
/// not waited for. (It printed from the runtime's thread: past about 1,500
/// clients, a line each, the pipe was full and it answered no one.)
#[test]
fn the_echo_server_serves_on_while_nobody_reads_its_output() {
    let (mut server, stdout, address) = start("echo");
    // A line of output each, some 300 KiB in all: several times what a
    // pipe holds (64 KiB by default), and its printer's backlog too.
    for client in 0..5_000 {
        let (mut reader, mut writer) = connect(&address);
        writer.write_all(b"ping\n").expect("a line goes out");
        let mut echo = String::new();
        let read = reader.read_line(&mut echo);
        assert!(
            read.is_ok() && echo == "echo: ping\n",
            "client {client} got {read:?} {echo:?}"
        );
    }

    interrupt(&server);
    // Read at last: what was waiting, the count of what was dropped, and
    // the goodbye.
    let reading = std::thread::spawn(move || {
        let mut rest = String::new();
        BufReader::new(stdout)
            .read_to_string(&mut rest)
            .map(|_| rest)
    });
    assert!(exits(&mut server).success());
    let rest = reading.join().expect("the reader").expect("its output");
    assert!(rest.ends_with("shut down\n"), "{rest}");
    assert!(
        rest.lines()
            .any(|line| line.ends_with(" lines dropped: stdout was not read)")),
        "{rest}"
    );
}

/// No signal kills the server once it has registered for them: a second
/// one, while the first's shutdown is under way, stops it at once. Ctrl-C
/// twice, as a person at a terminal does, and SIGTERM after Ctrl-C.
#[test]
fn a_second_ctrl_c_stops_the_server_at_once() {
    a_second_signal_stops_the_server_at_once(rustix::process::Signal::INT, "Ctrl-C");
}

#[test]
fn sigterm_after_ctrl_c_stops_the_server_at_once() {
    a_second_signal_stops_the_server_at_once(rustix::process::Signal::TERM, "SIGTERM");
}

fn a_second_signal_stops_the_server_at_once(second: rustix::process::Signal, named: &str) {
    let (mut server, stdout, address) = start("echo");
    // Connected when the shutdown comes, and not closing: its connection
    // drains for a second after the goodbye.
    let (mut reader, mut writer) = connect(&address);
    writer.write_all(b"hi\n").expect("a line goes out");
    assert_eq!(read_line(&mut reader), "echo: hi\n");

    interrupt(&server);
    // The first was received: two signals before that would count as one.
    assert_eq!(read_line(&mut reader), "server shutting down\n");
    server.signal(second).expect("the second signal is sent");
    let status = exits(&mut server);
    assert_eq!(status.code(), Some(1), "{status}");
    let rest = rest_of(stdout);
    let last = format!("a second {named}: stopped at once, cutting off the open connections\n");
    assert!(rest.ends_with(&last), "{rest}");
}

#[test]
fn a_bad_port_is_a_usage_error() {
    // A mistake ends it at once; a server that started listening instead
    // would be killed at the deadline, and fail the test.
    let usage = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_io-serve"));
        command.args(args);
        proc::run(command, Duration::from_secs(10)).expect("io-serve runs")
    };
    for args in [["chat", "--port", "70000"], ["chat", "--port", "seven"]] {
        let finished = usage(&args);
        assert_eq!(finished.exit, proc::Exit::Code(2), "{args:?}");
        assert!(
            finished.stderr.starts_with("error: invalid value")
                && finished.stderr.contains("'--port <PORT>'"),
            "{}",
            finished.stderr
        );
    }
    assert_eq!(usage(&["ftp"]).exit, proc::Exit::Code(2));
}
