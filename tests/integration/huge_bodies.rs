//! Guards every HTTP example (each that takes `--base-url`) against a server
//! that sends more than an example should keep: pointed at one whose every
//! answer is far longer than any example's limit, each must fail, saying
//! that the body is too long, where a `text()` would have held it whole.
//!
//! Two servers, one per way of reading a body too long:
//! - one that announces `Content-Length: 10000000000`, sends 64 KiB and
//!   closes: an example that refuses the length up front says so, one that
//!   reads on gets a body cut short;
//! - one that announces no length (`Transfer-Encoding: chunked`) and sends
//!   16 MiB, past every limit, then closes: an example that counts what it
//!   reads stops at its limit, one that does not succeeds or fails some
//!   other way.
//!
//! Neither streams for ever, so an example with no limit fails the test
//! rather than growing for as long as its time limit lets it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use xtask::protocol::Kind;
use xtask::workspace::Workspace;

/// How long a connection may wait for the client to send or read, and an
/// example to finish (each gives up on a server within 10 s).
const PATIENCE: Duration = Duration::from_secs(30);
/// What an example says when its own deadline passed first: http_errors,
/// concurrent_requests, testing/http_client; fetch_with_timeout. Reading
/// its limit's worth (1 MiB) takes a fraction of the shortest deadline (1 s,
/// testing/http_client), but on a busy machine the deadline can come first,
/// and giving up then is right too: so that is accepted, whatever follows
/// from it (http_errors even succeeds when only its /json timed out). An
/// example with no limit still fails the test, by succeeding or failing
/// some other way, on any machine that reads 16 MiB within its deadline.
/// rate_limited_client's timeout says only "error decoding response body",
/// which a body decoded whole says too: it is held to "longer than".
const DEADLINE_FIRST: [&str; 2] = ["no answer within", "Timeout after"];
/// What the chunked server sends in all: past every example's limit.
const CHUNKED_TOTAL: usize = 16 * 1024 * 1024;
const CHUNK: usize = 64 * 1024;

/// How a server says how long its answer is.
#[derive(Clone, Copy, Debug)]
enum Length {
    /// `Content-Length: 10000000000`, then one chunk's worth of it.
    Announced,
    /// `Transfer-Encoding: chunked`, then `CHUNKED_TOTAL` bytes.
    Unannounced,
}

/// Answers every request on `127.0.0.1:<free port>` with a body too long,
/// from a thread per connection, until dropped.
struct HugeBodyServer {
    address: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl HugeBodyServer {
    fn start(length: Length) -> Self {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("a listening socket");
        let address = listener.local_addr().expect("its address");
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::spawn({
            let stop = Arc::clone(&stop);
            move || {
                for connection in listener.incoming() {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    if let Ok(connection) = connection {
                        std::thread::spawn(move || answer(connection, length));
                    }
                }
            }
        });
        HugeBodyServer {
            address,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.address)
    }
}

impl Drop for HugeBodyServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop so it sees the flag.
        if TcpStream::connect(self.address).is_ok()
            && let Some(thread) = self.thread.take()
        {
            let _ = thread.join();
        }
    }
}

/// Reads one request head, answers it with a body too long, and closes. A
/// client that stops reading ends it with an error, which is the point.
fn answer(socket: TcpStream, length: Length) {
    let _ = socket.set_read_timeout(Some(PATIENCE));
    let _ = socket.set_write_timeout(Some(PATIENCE));
    let Ok(reader) = socket.try_clone() else {
        return;
    };
    // The request head, so that closing resets nothing unread.
    let mut reader = BufReader::new(reader).take(64 * 1024);
    let mut line = String::new();
    while matches!(reader.read_line(&mut line), Ok(read) if read > 2) {
        line.clear();
    }
    let _ = send(socket, length);
}

fn send(mut socket: TcpStream, length: Length) -> std::io::Result<()> {
    let chunk = [b'x'; CHUNK];
    match length {
        Length::Announced => {
            socket.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 10000000000\r\n\r\n")?;
            socket.write_all(&chunk)
        }
        Length::Unannounced => {
            socket.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")?;
            for _ in 0..CHUNKED_TOTAL / CHUNK {
                write!(socket, "{CHUNK:x}\r\n")?;
                socket.write_all(&chunk)?;
                socket.write_all(b"\r\n")?;
            }
            Ok(())
        }
    }
}

/// Runs every HTTP example against a server answering with `length`, and
/// fails naming each that did not fail saying the body is too long.
fn each_http_example_refuses(length: Length) {
    let server = HugeBodyServer::start(length);
    let sections = Workspace::locate().section_names().expect("the sections");
    let mut examples = 0;
    let mut wrong = Vec::new();
    for section in sections {
        let section = crate::support::built_section(&section);
        let listed = section.list().expect("the section lists its examples");
        for example in listed
            .iter()
            .filter(|example| example.kind == Kind::BaseUrl)
        {
            examples += 1;
            let mut command = std::process::Command::new(&section.binary);
            command.args([&example.name, "--base-url", &server.url()]);
            let finished = proc::run(command, PATIENCE).expect("the example runs");
            let output = format!("{}{}", finished.stdout, finished.stderr);
            let refused = !finished.success() && output.contains("longer than");
            let gave_up = DEADLINE_FIRST.iter().any(|words| output.contains(words));
            if !refused && !gave_up {
                wrong.push(format!(
                    "{}/{}: {:?}\n{output}",
                    section.name, example.name, finished.exit
                ));
            }
        }
    }
    assert!(examples > 0, "no example takes --base-url");
    assert!(
        wrong.is_empty(),
        "against a server whose body is too long ({length:?}), these did not fail saying \
         so:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn a_body_announced_too_long_is_refused_by_every_http_example() {
    each_http_example_refuses(Length::Announced);
}

#[test]
fn a_body_too_long_without_a_length_is_cut_off_by_every_http_example() {
    each_http_example_refuses(Length::Unannounced);
}
