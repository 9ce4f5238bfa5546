//! A line-based TCP server that no client can hold up: a time limit on each
//! line, on each reply and on the silence between lines, a maximum line
//! length, and a shutdown that closes every connection and waits until they
//! are gone.
//!
//! In asyncio: `start_server(handler, limit=...)` with `asyncio.timeout`
//! around `readuntil` and around `write` and `drain`, and a set of handler
//! tasks to wait for at shutdown (3.11's `wait_closed()` doesn't). Here
//! `serve` runs each connection on a `TaskTracker` and waits for them; accept
//! errors go to the caller's `log` and are paused on, not fatal. See the
//! book's page "Sockets, streams and processes".
//!
//! What not to undo when you copy it:
//! - A place taken from the `Semaphore` before `accept`, and moved into the
//!   connection's task.
//! - One deadline for the whole line from its first byte, not per read.
//! - The limit on every read (`take`): `read_until` alone has none.
//! - The time limit on writes, the last words included.
//! - The drain before closing, and the listening socket closed before the
//!   connections are told to finish.
//! - `biased;` with the shutdown first, and the drop guards in `run` and in
//!   `serve`, so every connection ends however `run` or `serve` ends.
//! - A `log` that never blocks, never an `eprintln!` in `serve`.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, Take};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, sleep, timeout};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// How long a client may take to send one whole line.
const LINE_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a client may stay silent between lines.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a reply may wait for the client to make room for it.
const WRITE_TIMEOUT: Duration = Duration::from_secs(1);
/// The most connections served at once, as in mini-redis: without a limit
/// every client gets a task and a file descriptor, and once the descriptors
/// run out `accept` fails for all.
const MAX_CONNECTIONS: usize = 250;
/// The longest line, in bytes, newline included.
const MAX_LINE: usize = 1024;
/// How long to wait before accepting again after `accept` failed.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);
/// How much of a client's remaining input is read, and for how long, before
/// its connection is closed.
const DRAIN_LIMIT: u64 = 64 * 1024;
const DRAIN_TIME: Duration = Duration::from_secs(1);

/// Accepts connections until `shutdown` is cancelled, then stops listening,
/// tells the connections to finish, and waits until every one has ended.
/// What it has to say (a failed accept, every place taken) goes to `log`, which must
/// not block: it is called from the runtime's tasks. Out of file
/// descriptors, accept fails every `ACCEPT_PAUSE`, and once a stderr pipe
/// nobody reads is full, an `eprintln!` would stop the runtime's thread,
/// every connection and the shutdown with it (`recipes/graceful_shutdown`'s
/// `main` prints its log from a thread of its own, dropping what does not
/// fit).
pub async fn serve(listener: TcpListener, shutdown: CancellationToken, log: fn(String)) {
    // The connections' own token: cancelled once no new client can come,
    // and when `serve` returns or is dropped, which a `TaskTracker` does not
    // do: its tasks would run on.
    let finish = CancellationToken::new();
    let _end_connections = finish.clone().drop_guard();
    let connections = TaskTracker::new();
    let places = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let accepted = tokio::select! {
            biased;
            () = shutdown.cancelled() => break,
            accepted = accept(&listener, &places, log) => accepted,
        };
        match accepted {
            Ok((place, socket)) => {
                let finish = finish.clone();
                // An I/O error ends its own connection, nothing more; the
                // place is given back when it ends.
                connections.spawn(async move {
                    let _place = place;
                    serve_lines(socket, finish).await
                });
            }
            // The client hung up before it was accepted: nothing to do.
            Err(error) if is_connection_error(&error) => {}
            // Out of file descriptors or memory, the next accept fails at
            // once too: pause, so that connections can close, rather than
            // spin. None of these is fatal, since the listening socket
            // itself is still good (axum's `serve` does the same).
            Err(error) => {
                log(format!(
                    "accept failed: {error}; trying again in {ACCEPT_PAUSE:?}"
                ));
                sleep(ACCEPT_PAUSE).await;
            }
        }
    }
    // Closed before the connections drain: left open, it would let clients
    // in only to reset them.
    drop(listener);
    finish.cancel();
    connections.close();
    connections.wait().await;
}

/// Waits for a free place, then for a client to take it: a client past
/// `MAX_CONNECTIONS` waits until a connection ends, connected but not
/// accepted, in the listening socket's backlog (128), and past that with
/// its connect waiting too, the system retrying it; the log says when. (A
/// semaphore fails to give a place only once closed, which this one never
/// is.)
async fn accept(
    listener: &TcpListener,
    places: &Arc<Semaphore>,
    log: fn(String),
) -> io::Result<(OwnedSemaphorePermit, TcpStream)> {
    let place = match Arc::clone(places).try_acquire_owned() {
        Ok(place) => place,
        Err(_no_place) => {
            log(format!(
                "all {MAX_CONNECTIONS} places are taken; new clients wait"
            ));
            let place = Arc::clone(places).acquire_owned().await;
            place.map_err(io::Error::other)?
        }
    };
    let (socket, _peer) = listener.accept().await?;
    Ok((place, socket))
}

fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
    )
}

/// Answers each line in upper case until the client closes, breaks a
/// limit, or the server shuts down.
async fn serve_lines(socket: TcpStream, shutdown: CancellationToken) -> io::Result<()> {
    let (reader, mut writer) = socket.into_split();
    let mut reader = BufReader::new(reader).take(0);
    let mut line = Vec::new();
    let last_words = loop {
        line.clear();
        reader.set_limit(MAX_LINE as u64);
        let read = tokio::select! {
            biased;
            () = shutdown.cancelled() => break "server shutting down\n".to_owned(),
            read = read_line(&mut reader, &mut line) => read,
        };
        let read = match read {
            Err(error) if error.kind() == io::ErrorKind::TimedOut => {
                break format!("error: {error}\n");
            }
            read => read?,
        };
        if read == 0 {
            return Ok(()); // the client closed
        }
        if !line.ends_with(b"\n") {
            if line.len() < MAX_LINE {
                return Ok(()); // the stream ended mid-line
            }
            break format!("error: a line may be {MAX_LINE} bytes at most\n");
        }
        send(&mut writer, &line.to_ascii_uppercase()).await?;
    };
    send(&mut writer, last_words.as_bytes()).await?;
    writer.shutdown().await?;
    // The client may still be sending. Closing with its input unread would
    // make the system reset the connection, and a reset can destroy the
    // reply before the client reads it; so read and discard what comes, up
    // to a bound of bytes and of time, until the client closes its side.
    reader.set_limit(DRAIN_LIMIT);
    let _ = timeout(
        DRAIN_TIME,
        tokio::io::copy(&mut reader, &mut tokio::io::sink()),
    )
    .await;
    Ok(())
}

/// Reads a line into `line`, once it begins within `IDLE_TIMEOUT`, and all
/// of it within `LINE_TIMEOUT` of its first byte: one deadline for the whole
/// line, so that a byte now and then can't keep a connection.
async fn read_line(
    reader: &mut Take<BufReader<OwnedReadHalf>>,
    line: &mut Vec<u8>,
) -> io::Result<usize> {
    let timed_out = |what| io::Error::new(io::ErrorKind::TimedOut, what);
    let buffered = timeout(IDLE_TIMEOUT, reader.fill_buf())
        .await
        .map_err(|_elapsed| timed_out(format!("idle for {IDLE_TIMEOUT:?}")))?;
    if buffered?.is_empty() {
        return Ok(0); // the client closed
    }
    timeout(LINE_TIMEOUT, reader.read_until(b'\n', line))
        .await
        .map_err(|_elapsed| timed_out(format!("no whole line within {LINE_TIMEOUT:?}")))?
}

/// Writes all of `bytes` within `WRITE_TIMEOUT`.
async fn send(writer: &mut OwnedWriteHalf, bytes: &[u8]) -> io::Result<()> {
    timeout(WRITE_TIMEOUT, writer.write_all(bytes))
        .await
        .map_err(|_elapsed| io::Error::new(io::ErrorKind::TimedOut, "the client reads nothing"))?
}

pub async fn run() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let shutdown = CancellationToken::new();
    let _stop_server_when_done = shutdown.clone().drop_guard();
    // Nothing fails to accept here, and the clients never take every
    // place, so nothing is logged; a server of your own gives a `log` that
    // never waits.
    let log = |line| println!("server: {line}");
    let server = tokio::spawn(serve(listener, shutdown.clone(), log));

    polite_client(address).await?;
    trickling_client(address).await?;
    long_line_client(address).await?;
    client_that_never_reads(address).await?;

    // A client still connected when the server shuts down.
    let mut client = Client::connect(address).await?;
    let reply = client.ask("still here").await?;
    println!("shutdown: a client sent \"still here\", got {reply:?}");
    shutdown.cancel();
    println!(
        "shutdown: the connected client got {:?}",
        client.answer().await?
    );
    println!("shutdown: then {:?}", client.answer().await?);
    drop(client);
    server.await?;
    println!("shutdown: the server has stopped, every connection closed");
    Ok(())
}

// What only feeds the demonstration: clients that behave and clients that
// don't, each printing what it saw.

/// How long a client waits for the server's answer.
const CLIENT_PATIENCE: Duration = Duration::from_secs(5);

struct Client {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl Client {
    async fn connect(address: SocketAddr) -> io::Result<Self> {
        let (reader, writer) = TcpStream::connect(address).await?.into_split();
        Ok(Client {
            reader: BufReader::new(reader),
            writer,
        })
    }

    /// Sends `message` as a line and returns the answer.
    async fn ask(&mut self, message: &str) -> io::Result<String> {
        self.writer
            .write_all(format!("{message}\n").as_bytes())
            .await?;
        self.answer().await
    }

    /// The next line from the server, without its newline, or "(closed)"
    /// if the server closed the connection instead.
    async fn answer(&mut self) -> io::Result<String> {
        answer(&mut self.reader).await
    }
}

/// `Client::answer`, within `CLIENT_PATIENCE` and `MAX_LINE` bytes: the
/// server's lines (a line in capitals, or an error) are no longer than its
/// clients'.
async fn answer(reader: &mut BufReader<OwnedReadHalf>) -> io::Result<String> {
    let mut line = Vec::new();
    let mut limited = reader.take(MAX_LINE as u64);
    let read = timeout(CLIENT_PATIENCE, limited.read_until(b'\n', &mut line))
        .await
        .map_err(|_elapsed| io::Error::new(io::ErrorKind::TimedOut, "the server is silent"))??;
    if read == 0 {
        return Ok("(closed)".to_owned());
    }
    if line.len() == MAX_LINE && !line.ends_with(b"\n") {
        let too_long = format!("the server sent a line longer than {MAX_LINE} bytes");
        return Err(io::Error::new(io::ErrorKind::InvalidData, too_long));
    }
    let line = String::from_utf8(line)
        .map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))?;
    Ok(line.trim_end().to_owned())
}

async fn polite_client(address: SocketAddr) -> io::Result<()> {
    let mut client = Client::connect(address).await?;
    for message in ["hello", "how are you?"] {
        let reply = client.ask(message).await?;
        println!("polite: sent {message:?}, got {reply:?}");
    }
    Ok(())
}

/// Sends a byte every 0.3 s, and never a newline.
async fn trickling_client(address: SocketAddr) -> io::Result<()> {
    let start = Instant::now();
    let Client {
        mut reader,
        mut writer,
    } = Client::connect(address).await?;
    let trickle = async {
        loop {
            if let Err(error) = writer.write_all(b"z").await {
                return error;
            }
            sleep(Duration::from_millis(300)).await;
        }
    };
    let reply = tokio::select! {
        error = trickle => return Err(error),
        reply = answer(&mut reader) => reply?,
    };
    println!(
        "trickling: after {:.1}s got {reply:?}",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn long_line_client(address: SocketAddr) -> io::Result<()> {
    let mut client = Client::connect(address).await?;
    let reply = client.ask(&"x".repeat(2000)).await?;
    println!("long line: sent 2000 bytes, got {reply:?}");
    println!("long line: then {:?}", client.answer().await?);
    Ok(())
}

/// Sends line after line and reads none of the answers, until the server
/// gives up on it.
async fn client_that_never_reads(address: SocketAddr) -> io::Result<()> {
    let start = Instant::now();
    let mut client = Client::connect(address).await?;
    let line = format!("{}\n", "y".repeat(MAX_LINE - 1));
    let mut sent = 0u64;
    let error = loop {
        if let Err(error) = client.writer.write_all(line.as_bytes()).await {
            break error;
        }
        sent += 1;
        if sent > 1_000_000 {
            return Err(io::Error::other(
                "the server took a million lines unanswered",
            ));
        }
    };
    // Filling the sockets' buffers first takes a moment of real time.
    println!(
        "never reads: after about {:.0}s the server closed the connection ({})",
        start.elapsed().as_secs_f64(),
        match error.kind() {
            io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe => "its writes fail",
            _ => return Err(error),
        }
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use tokio::net::TcpSocket;
    use tokio::sync::Notify;

    use super::*;

    /// The tests' `log`: nothing fails to accept in them, and a line that
    /// came would show in the test's output.
    fn show(line: String) {
        println!("server: {line}");
    }

    /// What a server logged, for a test to wait on: `serve`'s `log` is a
    /// `fn`, so each test that reads it has a `static` of its own.
    struct Logged {
        lines: Mutex<Vec<String>>,
        added: Notify,
    }

    impl Logged {
        const fn new() -> Self {
            Logged {
                lines: Mutex::new(Vec::new()),
                added: Notify::const_new(),
            }
        }

        fn push(&self, line: String) {
            self.lines.lock().unwrap().push(line);
            self.added.notify_waiters();
        }

        /// Waits for a line that holds `words`: 30 s at most, a bound
        /// against a hang.
        async fn wait_for(&self, words: &str) {
            let logged = async {
                loop {
                    // Asked for before the lines are read, so that one
                    // logged in between wakes it.
                    let added = self.added.notified();
                    tokio::pin!(added);
                    added.as_mut().enable();
                    if self.lines.lock().unwrap().iter().any(|l| l.contains(words)) {
                        return;
                    }
                    added.await;
                }
            };
            let logged = timeout(Duration::from_secs(30), logged).await;
            logged.unwrap_or_else(|_| panic!("the server never logged {words:?}"));
        }
    }

    /// The longest line the server sends, a line of `MAX_LINE` bytes in
    /// capitals, is as long as a client takes; one byte more, from a server
    /// that breaks the protocol, is an error that says so.
    #[tokio::test]
    async fn a_client_takes_lines_of_max_line_bytes_at_most() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(serve(listener, shutdown.clone(), show));
        let mut client = Client::connect(address).await.unwrap();
        let longest = "y".repeat(MAX_LINE - 1);
        assert_eq!(client.ask(&longest).await.unwrap(), longest.to_uppercase());
        drop(client);
        shutdown.cancel();
        server.await.unwrap();

        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = Client::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (mut server, _peer) = listener.accept().await.unwrap();
        let too_long = format!("{}\n", "Y".repeat(MAX_LINE));
        server.write_all(too_long.as_bytes()).await.unwrap();
        let error = client.answer().await.unwrap_err();
        assert_eq!(
            error.to_string(),
            "the server sent a line longer than 1024 bytes"
        );
    }

    /// A client that sends many lines, one too long and more before it
    /// reads any reply: with its receive buffer small, the replies wait in
    /// the server's send buffer, which a reset would throw away. The client
    /// reads once its connection has ended, so that a reset would have come
    /// first.
    #[tokio::test]
    async fn the_refusal_reaches_a_client_that_was_still_sending() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let connection = tokio::spawn(async move {
            let (socket, _peer) = listener.accept().await.unwrap();
            serve_lines(socket, CancellationToken::new()).await
        });

        let socket = TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let mut client = socket.connect(address).await.unwrap();
        let mut lines: Vec<u8> = (0..200)
            .flat_map(|i| format!("{i:099}\n").into_bytes())
            .collect();
        lines.extend(vec![b'x'; 2 * MAX_LINE]);
        // And more after it, which the server never answers.
        lines.extend(b"more\n".repeat(4096));
        client.write_all(&lines).await.unwrap();
        connection.await.unwrap().unwrap();

        let mut replies = String::new();
        client.read_to_string(&mut replies).await.unwrap();
        assert!(replies.ends_with("error: a line may be 1024 bytes at most\n"));
        assert_eq!(replies.lines().count(), 201);
        // Closed, and not reset: a reset shows in the socket's error even
        // when every reply had reached the client.
        let reset = client.take_error().unwrap();
        assert!(reset.is_none(), "the connection was reset: {reset:?}");
    }

    /// While the connections drain, the listening socket is closed already:
    /// a new client is refused, not let in by the system and then reset.
    /// The connections are told to finish once it is closed, so a client
    /// that has the goodbye knows it is.
    #[tokio::test]
    async fn a_client_that_comes_during_the_drain_is_refused() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(serve(listener, shutdown.clone(), show));
        // Still connected, so its connection drains for `DRAIN_TIME`.
        let mut staying = Client::connect(address).await.unwrap();
        assert_eq!(staying.ask("hi").await.unwrap(), "HI");

        shutdown.cancel();
        assert_eq!(staying.answer().await.unwrap(), "server shutting down");
        let late = TcpStream::connect(address).await;
        assert_eq!(late.unwrap_err().kind(), io::ErrorKind::ConnectionRefused);
        drop(staying);
        server.await.unwrap();
    }

    /// `serve` dropped by its caller (a timeout or a `select!` around it)
    /// ends its connections too.
    #[tokio::test]
    async fn dropping_serve_ends_its_connections() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let server = tokio::spawn(serve(listener, CancellationToken::new(), show));
        let mut client = Client::connect(address).await.unwrap();
        assert_eq!(client.ask("hi").await.unwrap(), "HI");

        server.abort();
        assert_eq!(client.answer().await.unwrap(), "server shutting down");
        assert_eq!(client.answer().await.unwrap(), "(closed)");
    }

    /// A client that sends and never reads: its connection's task waits for
    /// room, holding one place, and another client is served meanwhile,
    /// well before `WRITE_TIMEOUT` lets it go.
    #[tokio::test(start_paused = true)]
    async fn held_caller_a_client_that_never_reads_stalls_no_one() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(serve(listener, shutdown.clone(), show));
        let mut deaf = TcpStream::connect(address).await.unwrap();
        let lines = format!("{}\n", "y".repeat(MAX_LINE - 1)).repeat(64);
        while timeout(Duration::from_millis(200), deaf.write_all(lines.as_bytes()))
            .await
            .is_ok()
        {}
        let mut other = Client::connect(address).await.unwrap();
        let answer = timeout(WRITE_TIMEOUT / 2, other.ask("hi")).await;
        assert_eq!(answer.expect("the other client waited").unwrap(), "HI");
        drop((deaf, other));
        shutdown.cancel();
        server.await.unwrap();
    }

    /// Past `MAX_CONNECTIONS`, the server stops accepting and says so: a
    /// client waits to be accepted, and is served once a connection ends,
    /// so none is lost.
    #[tokio::test]
    async fn clients_past_the_cap_wait_and_none_is_lost() {
        static LOGGED: Logged = Logged::new();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let log = |line| LOGGED.push(line);
        let server = tokio::spawn(serve(listener, shutdown.clone(), log));
        let mut served = Vec::new();
        for _ in 0..MAX_CONNECTIONS {
            let mut client = Client::connect(address).await.unwrap();
            assert_eq!(client.ask("hi").await.unwrap(), "HI");
            served.push(client);
        }

        LOGGED.wait_for("places are taken").await;

        let mut waiting = Client::connect(address).await.unwrap();
        waiting.writer.write_all(b"one more\n").await.unwrap();
        drop(served.remove(0));
        let mut answer = String::new();
        let answered = timeout(
            Duration::from_secs(30),
            waiting.reader.read_line(&mut answer),
        );
        answered.await.expect("lost past the cap").unwrap();
        assert_eq!(answer, "ONE MORE\n");
        drop((served, waiting));
        shutdown.cancel();
        server.await.unwrap();
    }

    /// A client may stay silent between lines for longer than one line
    /// may take, though not for ever.
    #[tokio::test(start_paused = true)]
    async fn a_client_silent_between_lines_is_dropped_only_when_idle_too_long() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(serve(listener, shutdown.clone(), show));
        let mut client = Client::connect(address).await.unwrap();
        assert_eq!(client.ask("one").await.unwrap(), "ONE");
        sleep(2 * LINE_TIMEOUT).await;
        assert_eq!(client.ask("two").await.unwrap(), "TWO");

        let start = Instant::now();
        let mut last_words = String::new();
        let read = client.reader.read_line(&mut last_words);
        timeout(2 * IDLE_TIMEOUT, read).await.unwrap().unwrap();
        let waited = start.elapsed();
        assert!(waited >= IDLE_TIMEOUT && waited < IDLE_TIMEOUT + LINE_TIMEOUT);
        assert_eq!(last_words, format!("error: idle for {IDLE_TIMEOUT:?}\n"));
        drop(client);
        shutdown.cancel();
        server.await.unwrap();
    }
}
