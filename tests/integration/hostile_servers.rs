//! Guards every server the project ships, as a user runs it (the real
//! binary, real sockets, a real SIGINT), against what a hostile or broken
//! client sends:
//!
//! 1. a 10 MiB line with no newline, then the end of the stream: the
//!    server's memory stays bounded, and the client gets a reply or a close;
//! 2. bytes that are not UTF-8: a reply or a close, and the server goes on;
//! 3. a client that sends and never reads: the others are still served,
//!    and the echo, line and work servers, whose replies it leaves unread,
//!    stop reading from it before 64 MiB and then drop it;
//! 4. 500 connections at once, past the cap of every server that has one:
//!    those past it wait, and none is lost: each in turn is served once
//!    those before it have gone;
//! 5. a half-close after a request: the reply (or, from the HTTP server,
//!    a close), then the end of the stream;
//! 6. then SIGINT, with all of the above still connected and, for a server
//!    that answers every line, a second client that never reads, whose
//!    replies it may be waiting to send: a new client is refused, and the
//!    process exits successfully and leaves no child behind. Its log says
//!    that it stopped listening before any connection was told to finish,
//!    and that none was then ended by a send or idle time limit: the
//!    shutdown's own limits, the goodbye's and the drain's, end them all.
//!
//! The servers: `io-serve echo`, `io-serve line` and `io-serve chat` (the
//! io section's echo_server, line_codec and chat_server), `graceful-server`
//! (the graceful_shutdown recipe) and `httpbin`.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

/// How long a client waits for any answer before the test calls the
/// server stuck: a bound against a hang, never what decides a pass.
const PATIENCE: Duration = Duration::from_secs(30);
/// How long the server may take to exit after SIGINT: a bound against a
/// hang. By design each server ends every connection within 2 s; which
/// limit ended each, its log says, and that decides.
const EXIT_PATIENCE: Duration = Duration::from_secs(60);
/// How much a server's peak memory may grow over the long line.
const MEMORY_SLACK_KIB: u64 = 8 * 1024;

/// What a server speaks.
#[derive(Clone, Copy, Debug)]
enum Protocol {
    /// `ping` comes back as `echo: ping`.
    Echo,
    /// `hello` comes back as `HELLO`.
    Upper,
    /// A name prompt, then `welcome, <name>; ...`.
    Chat,
    /// `0` (milliseconds of work) comes back as `started: 0ns of work`.
    Work,
    Http,
}

impl Protocol {
    /// One normal exchange on a fresh connection, which must work.
    fn exchange(self, address: &str) {
        self.exchange_on(TcpStream::connect(address).expect("it accepts a connection"));
    }

    /// One normal exchange on a connection already made: after the chat
    /// server's prompt, a request and the start of its answer.
    fn exchange_on(self, socket: TcpStream) {
        socket.set_read_timeout(Some(PATIENCE)).expect("a timeout");
        socket.set_write_timeout(Some(PATIENCE)).expect("a timeout");
        let mut reader = self.greeted(&socket);
        let (request, answer): (&[u8], _) = match self {
            Protocol::Echo => (b"ping\n", "echo: ping\n"),
            Protocol::Upper => (b"hello\n", "HELLO\n"),
            Protocol::Chat => (b"tester\n", "welcome, tester;"),
            Protocol::Work => (b"0\n", "started: 0ns of work\n"),
            Protocol::Http => (
                b"GET /get HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "HTTP/1.1 200",
            ),
        };
        (&socket).write_all(request).expect("the request goes out");
        let line = read_line(&mut reader);
        assert!(line.starts_with(answer), "{line:?}");
    }

    /// A reader of `socket`, past the chat server's prompt.
    fn greeted(self, socket: &TcpStream) -> BufReader<TcpStream> {
        let mut reader = BufReader::new(socket.try_clone().expect("a clone"));
        if let Protocol::Chat = self {
            assert_eq!(read_line(&mut reader), "your name?\n");
        }
        reader
    }

    /// A request that ends with the end of a line, and is answered.
    fn request(self) -> &'static [u8] {
        match self {
            Protocol::Echo => b"ping\n",
            Protocol::Upper => b"hello\n",
            Protocol::Chat => b"tester\n",
            // Answered at once with an error line; even `0` costs a timer
            // tick, so a deaf client's `0`s would take minutes to fill the
            // buffers.
            Protocol::Work => b"x\n",
            Protocol::Http => b"GET /get HTTP/1.1\r\nHost: x\r\n\r\n",
        }
    }

    /// Whether a client that sends requests and never reads their replies
    /// leaves the server waiting for room: the echo, line and work servers
    /// answer every line, the chat server sends a client's lines to the
    /// others only, and the HTTP server stops reading once a reply is stuck.
    fn stalls_on_deaf_clients(self) -> bool {
        matches!(self, Protocol::Echo | Protocol::Upper | Protocol::Work)
    }

    /// The most a client that never reads sends. Its receive buffer stays
    /// at its first size (Linux grows one only as it is read), so a
    /// server's replies back up after that and the server's send buffer,
    /// then its requests after the server's receive buffer and its own send
    /// buffer. With this machine kind's limits (`tcp_rmem` 128 KiB at
    /// first, 32 MiB at most; `tcp_wmem` 4 MiB at most), 64 MiB is past all
    /// four. The chat server sends its sender nothing and reads all of it,
    /// so for it more only takes longer.
    fn flood_limit(self) -> usize {
        match self {
            Protocol::Chat => 8 * 1024 * 1024,
            Protocol::Echo | Protocol::Upper | Protocol::Work | Protocol::Http => 64 * 1024 * 1024,
        }
    }

    /// The server's arguments: the graceful server's grace period is an
    /// hour, so that no client outlasts it and every connection ends by a
    /// limit of its own, which the log names.
    fn args(self) -> &'static [&'static str] {
        match self {
            Protocol::Echo => &["echo"],
            Protocol::Upper => &["line"],
            Protocol::Chat => &["chat"],
            Protocol::Work => &["--grace", "3600"],
            Protocol::Http => &[],
        }
    }

    /// The line the server logs once it has closed its listening socket,
    /// and before it tells the open connections to finish; httpbin logs
    /// none.
    fn stopped_listening(self) -> Option<&'static str> {
        match self {
            Protocol::Echo | Protocol::Upper => Some("server: stopped listening;"),
            Protocol::Chat => Some("chat: stopped listening;"),
            Protocol::Work => Some("server: Ctrl-C: no new connections;"),
            Protocol::Http => None,
        }
    }

    /// What the log says of a connection ended by a time limit that is not
    /// the shutdown's: a send timeout or an idle timeout. (The graceful
    /// server's write timeout, 1 s, is its shutdown's too.)
    fn limits_past_the_shutdown(self) -> &'static [&'static str] {
        match self {
            Protocol::Echo => &["no room for a reply in 5s", "no whole line in 30s"],
            Protocol::Upper => &["no room for a line in 5s"],
            Protocol::Chat => &["no room for a line in 5s", "gave no name in 30s"],
            Protocol::Work => &["said nothing for 30s"],
            Protocol::Http => &[],
        }
    }

    /// A request holding bytes that are not UTF-8.
    fn not_utf8(self) -> &'static [u8] {
        match self {
            Protocol::Http => b"GET /get?\xff\xfe HTTP/1.1\r\nHost: \xff\r\n\r\n",
            _ => b"\xff\xfe\xfd not UTF-8\n",
        }
    }
}

/// A server process, in a process group of its own that is killed if the
/// test fails before it exits.
struct Server {
    group: proc::Group,
    address: String,
    /// What it prints after its address, on stdout (the io servers' log),
    /// and on stderr (the others'), read on threads of their own so that
    /// it never waits for the test.
    stdout: Receiver<String>,
    stderr: Receiver<String>,
}

impl Server {
    /// Starts `binary args... --port 0` and reads the address it prints.
    fn start(binary: &str, args: &[&str]) -> Self {
        let mut command = Command::new(crate::support::binary(binary));
        command
            .args(args)
            .args(["--port", "0"])
            .stderr(Stdio::piped());
        let (mut group, first, stdout) = proc::serve_logged(command).expect("the server starts");
        let mut stderr = group.take_stderr().expect("piped");
        let (kept, stderr_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            let _ = kept.send(text);
        });
        let address = first
            .split(|c: char| c.is_whitespace() || c == ';' || c == '/')
            .find(|word| word.starts_with("127.0.0.1:"))
            .unwrap_or_else(|| panic!("no address in {first:?}"))
            .to_owned();
        Server {
            group,
            address,
            stdout,
            stderr: stderr_rx,
        }
    }

    /// Its log, stdout's then stderr's, once it has exited.
    fn log(&self) -> String {
        let closed = |stream: &Receiver<String>| {
            stream
                .recv_timeout(PATIENCE)
                .expect("its output closed after its exit")
        };
        closed(&self.stdout) + &closed(&self.stderr)
    }

    fn status_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.group.id()))
            .expect("the server's /proc status");
        status
            .lines()
            .find_map(|line| line.strip_prefix(field))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no {field} in /proc status"))
    }

    /// The server's children, from /proc.
    fn children(&self) -> Vec<proc::Process> {
        let children = proc::processes().into_iter();
        children.filter(|p| p.parent == self.group.id()).collect()
    }

    fn interrupt(&self) {
        self.group
            .signal(rustix::process::Signal::INT)
            .expect("SIGINT is sent");
    }

    fn exits_within(&mut self, limit: Duration) -> Option<ExitStatus> {
        self.group.wait_timeout(limit).expect("its status")
    }
}

fn connect(address: &str) -> (BufReader<TcpStream>, TcpStream) {
    let socket = TcpStream::connect(address).expect("it accepts a connection");
    socket.set_read_timeout(Some(PATIENCE)).expect("a timeout");
    socket.set_write_timeout(Some(PATIENCE)).expect("a timeout");
    (BufReader::new(socket.try_clone().expect("a clone")), socket)
}

fn read_line(reader: &mut BufReader<TcpStream>) -> String {
    let mut line = String::new();
    reader.read_line(&mut line).expect("a line from the server");
    line
}

/// After `socket` sent something hostile: the server must answer, close
/// or reset, and not leave the client waiting.
fn answers_or_closes(socket: &mut TcpStream, what: &str) {
    let mut buffer = [0; 4096];
    match socket.read(&mut buffer) {
        Ok(_) => {}
        Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
            panic!("after {what}, the server neither answered nor closed within {PATIENCE:?}")
        }
        // Reset: closed without reading what was left.
        Err(_) => {}
    }
}

/// After a server was left waiting to write to `socket` (whose writes
/// time out): it must give up and close the connection. Nothing is read
/// meanwhile (that would make room for the server and let it go on); a
/// write tells: once the server has closed the connection, with input
/// unread, the system refuses it, while a server still stuck leaves it
/// waiting for room. A server still working through the requests already
/// sent makes room, and how long that lasts depends on how busy the
/// machine is: so its send timeout plus `PATIENCE` count from when it last
/// made room, within a bound that only a server that never gives up reaches.
/// Returns how many bytes it took meanwhile, up to `limit`.
fn dropped_for_not_reading(socket: &mut TcpStream, limit: usize) -> usize {
    const SEND_TIMEOUT: Duration = Duration::from_secs(5);
    const BOUND: Duration = Duration::from_secs(300);
    // No newline: the server reads it as part of a line too long, with no
    // reply to send.
    let filler = [b'x'; 64 * 1024];
    let started = Instant::now();
    let mut made_room = Instant::now();
    let mut taken = 0;
    while made_room.elapsed() < SEND_TIMEOUT + PATIENCE && started.elapsed() < BOUND {
        if taken >= limit {
            return taken;
        }
        match socket.write(&filler) {
            Ok(written) => {
                taken += written;
                made_room = Instant::now();
            }
            // No room, for as long as the socket's write timeout.
            Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            // Reset, or a broken pipe: the server closed it.
            Err(_) => return taken,
        }
    }
    panic!(
        "a client that never read was still connected {SEND_TIMEOUT:?} + {PATIENCE:?} after the \
         server last made room for its bytes, {:?} in all",
        started.elapsed()
    )
}

/// Sends until the server stops taking bytes (the peer closed, or its
/// buffers are full and the write times out).
fn send_until_refused(socket: &mut TcpStream, chunk: &[u8], limit: usize) -> usize {
    let mut sent = 0;
    while sent < limit {
        match socket.write(chunk) {
            Ok(0) | Err(_) => break,
            Ok(written) => sent += written,
        }
    }
    sent
}

fn hostile_suite(binary: &str, protocol: Protocol) {
    let mut server = Server::start(binary, protocol.args());
    let address = server.address.clone();
    protocol.exchange(&address);
    let resident = server.status_kib("VmRSS:");

    // 1. A 10 MiB line with no newline, then the end of the stream. A server
    // that stops reading without closing leaves the writes to time out.
    let (_, mut long) = connect(&address);
    protocol.greeted(&long);
    let chunk = vec![b'x'; 64 * 1024];
    send_until_refused(&mut long, &chunk, 10 * 1024 * 1024);
    let _ = long.shutdown(Shutdown::Write);
    answers_or_closes(&mut long, "a 10 MiB line");
    let peak = server.status_kib("VmHWM:");
    assert!(
        peak < resident + MEMORY_SLACK_KIB,
        "a 10 MiB line took the server from {resident} KiB to a peak of {peak} KiB"
    );
    protocol.exchange(&address);

    // 2. Bytes that are not UTF-8.
    let (_, mut garbled) = connect(&address);
    protocol.greeted(&garbled);
    garbled
        .write_all(protocol.not_utf8())
        .expect("the bytes go out");
    answers_or_closes(&mut garbled, "bytes that are not UTF-8");
    protocol.exchange(&address);

    // 3. A client that sends and never reads, left connected. It sends
    // until the server takes no more for 2 s, most likely with the server
    // waiting for room, so that the exchange below is served meanwhile; a
    // server only held up that long (a busy machine) serves it too. The
    // bytes the server took are counted up to the end, below, when it
    // drops the client, so the pause decides nothing.
    let (_, mut deaf) = connect(&address);
    deaf.set_write_timeout(Some(Duration::from_secs(2)))
        .expect("a timeout");
    let request = protocol.request();
    let many: Vec<u8> = request.repeat(64 * 1024 / request.len());
    let sent = send_until_refused(&mut deaf, &many, protocol.flood_limit());
    protocol.exchange(&address);

    // 4. 500 connections at once, past the cap of every server that has
    // one (250): those past it wait to be accepted, and past the listening
    // socket's backlog (128) their connects wait too, the system retrying
    // them. Served in turn, each leaving once served, every one gets its
    // answer. The connects run on a thread of their own, since the later
    // ones wait for the earlier ones to be served.
    let (connected, crowd) = std::sync::mpsc::channel();
    let connecting = std::thread::spawn({
        let address = address.clone();
        move || {
            let address = address.parse().expect("an address");
            for _ in 0..500 {
                // The system retries a connect that waits 1, 3, 7, 15 and
                // 31 s after the first try.
                let socket = TcpStream::connect_timeout(&address, 2 * PATIENCE)
                    .expect("it accepts 500 connections");
                if connected.send(socket).is_err() {
                    break;
                }
            }
        }
    });
    for socket in crowd {
        protocol.exchange_on(socket);
    }
    connecting.join().expect("the connecting thread");

    // 5. A request, then the end of the stream: the answer, then the end.
    let (_, mut half) = connect(&address);
    let mut reader = protocol.greeted(&half);
    half.write_all(protocol.request())
        .expect("the request goes out");
    half.shutdown(Shutdown::Write).expect("a half-close");
    let mut rest = Vec::new();
    reader
        .read_to_end(&mut rest)
        .expect("the answer, then the end of the stream");
    match protocol {
        // hyper closes a connection whose client ends its side before the
        // answer, without answering: `http1::Builder::half_close` is off by
        // default, and `axum::serve` leaves it off. A close, not a hang.
        Protocol::Http => {}
        _ => assert!(!rest.is_empty(), "no answer to a half-closed request"),
    }

    // 3, continued: by now the deaf client's replies have waited a while.
    if protocol.stalls_on_deaf_clients() {
        let limit = protocol.flood_limit();
        let taken = sent + dropped_for_not_reading(&mut deaf, limit.saturating_sub(sent));
        assert!(
            taken < protocol.flood_limit(),
            "the server took {taken} bytes from a client that never read its replies: it \
             never stopped reading to wait for room"
        );
    }

    // 6. SIGINT, with the crowd still connected, and a deaf client whose
    // replies the server is most likely waiting to send (the first one was
    // dropped by now): the shutdown must not wait out a send timeout. If
    // the server was only held up when the signal came, there may be room
    // for its goodbye after all: both are right, and the log tells.
    let stuck = if protocol.stalls_on_deaf_clients() {
        let (_, mut stuck) = connect(&address);
        // Served once, so surely accepted, not waiting for a place.
        protocol.exchange_on(stuck.try_clone().expect("a clone"));
        stuck
            .set_write_timeout(Some(Duration::from_millis(200)))
            .expect("a timeout");
        send_until_refused(&mut stuck, &many, protocol.flood_limit());
        Some(stuck)
    } else {
        None
    };
    // And a crowd just past the cap, left connected through the shutdown:
    // the backlog keeps room for the late clients below.
    let crowd: Vec<TcpStream> = (0..260)
        .map(|_| TcpStream::connect(&address).expect("it accepts 260 connections"))
        .collect();
    let children = server.children();
    assert!(children.is_empty(), "the server started {children:?}");
    server.interrupt();
    // A new client is refused: when depends on how soon the server gets to
    // run after the signal, so ask until it refuses. That the listening
    // socket closed before the connections were told to finish, rather
    // than at the exit, the log says, below.
    let asked = Instant::now();
    let late = loop {
        let late = TcpStream::connect(&address).map(drop);
        if late.is_err() || asked.elapsed() > PATIENCE {
            break late;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(
        late.map_err(|error| error.kind()),
        Err(ErrorKind::ConnectionRefused),
        "a client that came during the shutdown, {PATIENCE:?} after SIGINT"
    );
    let status = server.exits_within(EXIT_PATIENCE);
    let Some(status) = status else {
        panic!("still running {EXIT_PATIENCE:?} after it refused new clients");
    };
    assert!(status.success(), "it exited with {status} after SIGINT");
    let log = server.log();
    if let Some(stopped) = protocol.stopped_listening() {
        let (before, after) = log
            .split_once(stopped)
            .unwrap_or_else(|| panic!("no {stopped:?} in its log:\n{log}"));
        // The goodbye's limit, which only a client with no room left for
        // it reaches: the only trace a connection's shutdown leaves.
        assert!(
            !before.contains("in 500ms"),
            "a connection was told to finish before the server stopped listening:\n{log}"
        );
        for limit in protocol.limits_past_the_shutdown() {
            assert!(
                !after.contains(limit),
                "after it stopped listening, a connection waited out {limit:?}:\n{log}"
            );
        }
    }
    if let Protocol::Work = protocol {
        let graceful = "stopped gracefully: every connection finished";
        assert!(log.lines().any(|line| line == graceful), "{log}");
    }
    drop((long, garbled, deaf, crowd, half, stuck));
}

#[test]
fn the_echo_server_holds_up() {
    hostile_suite("io-serve", Protocol::Echo);
}

#[test]
fn the_line_codec_server_holds_up() {
    hostile_suite("io-serve", Protocol::Upper);
}

#[test]
fn the_chat_server_holds_up() {
    hostile_suite("io-serve", Protocol::Chat);
}

#[test]
fn the_graceful_server_holds_up() {
    hostile_suite("graceful-server", Protocol::Work);
}

#[test]
fn the_local_httpbin_holds_up() {
    hostile_suite("httpbin", Protocol::Http);
}
