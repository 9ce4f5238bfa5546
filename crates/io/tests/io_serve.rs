//! The standalone servers, as a user runs them: the real `io-serve` binary,
//! a real socket, and Ctrl-C sent as a real SIGINT.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

/// The running server, killed if a test fails before it exits, so that no
/// orphan holds the test's output open.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Starts `io-serve <server> --port 0` and returns it with the address it
/// printed.
fn start(server: &str) -> (Running, BufReader<ChildStdout>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_io-serve"))
        .args([server, "--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("io-serve starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("it prints its address");
    let address = first
        .strip_prefix("listening on ")
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_else(|| panic!("unexpected first line: {first:?}"))
        .to_owned();
    (Running(child), stdout, address)
}

fn connect(address: &str) -> (BufReader<TcpStream>, TcpStream) {
    let socket = TcpStream::connect(address).expect("it accepts a connection");
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("a timeout");
    (BufReader::new(socket.try_clone().expect("a clone")), socket)
}

fn read_line(reader: &mut BufReader<TcpStream>) -> String {
    let mut line = String::new();
    reader.read_line(&mut line).expect("a line from the server");
    line
}

fn interrupt(server: &Running) {
    let status = Command::new("kill")
        .args(["-INT", &server.0.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

#[test]
fn the_chat_server_takes_a_real_client_and_stops_cleanly_on_sigint() {
    let (mut server, mut stdout, address) = start("chat");
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
    let status = server.0.wait().expect("it exits");
    assert!(status.success(), "{status}");
    let mut rest = String::new();
    stdout
        .read_to_string(&mut rest)
        .expect("the rest of its output");
    assert_eq!(rest, "shut down\n");
}

#[test]
fn the_echo_server_echoes_for_a_real_client() {
    let (mut server, _stdout, address) = start("echo");
    let (mut reader, mut writer) = connect(&address);
    writer.write_all(b"hi there\n").expect("a line goes out");
    assert_eq!(read_line(&mut reader), "echo: hi there\n");
    interrupt(&server);
    assert!(server.0.wait().expect("it exits").success());
}

#[test]
fn a_bad_port_is_a_usage_error() {
    for args in [["chat", "--port", "70000"], ["chat", "--port", "seven"]] {
        let output = Command::new(env!("CARGO_BIN_EXE_io-serve"))
            .args(args)
            .output()
            .expect("io-serve runs");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("is not a port number"), "{stderr}");
    }
    let output = Command::new(env!("CARGO_BIN_EXE_io-serve"))
        .arg("ftp")
        .output()
        .expect("io-serve runs");
    assert_eq!(output.status.code(), Some(2));
}
