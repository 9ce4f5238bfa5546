//! An echo server and its clients: a `TcpListener` accept loop with a task
//! per connection, lines read with `read_until` up to a maximum length, and
//! a client that half-closes its side the way `writer.write_eof()` does.
//!
//! The counterpart of `asyncio.start_server` and `open_connection`. Each
//! handler is spawned on a `TaskTracker` and races (`biased;`, it first) a
//! token that `serve` cancels once it has stopped listening; a client that
//! sends without reading is dropped, and so is one that sends no whole line
//! within `LINE_TIMEOUT`, however its bytes trickle in. At most
//! `MAX_CONNECTIONS` are served at once: a `Semaphore` place is taken before
//! `accept`, so a client past that waits to be accepted until one ends.
//! `read_until` reads through `take`, so a line longer than `MAX_LINE` is
//! thrown away as it arrives. A `select!` that drops it loses nothing: Tokio
//! documents that the bytes it read are appended to `line`, and that calling
//! it again continues the line. A reply the shutdown interrupts is finished,
//! then the goodbye: `write_all_buf` keeps its place. `shutdown()` on a write
//! half is `write_eof()`. The server's lines go to `log`: `println!` blocks,
//! and on a pipe nobody reads it would stop the runtime's thread and every
//! connection with it, so `io-serve` hands them to a thread of their own.
//! The clients take lines of `MAX_REPLY` bytes at most. See the book's page
//! "Sockets, streams and processes".

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, timeout, timeout_at};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The most connections served at once.
const MAX_CONNECTIONS: usize = 250;
/// How long to wait before accepting again after an accept failed.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// Accepts connections until `shutdown` is cancelled, then stops listening,
/// tells the open ones to finish, and waits for them. What the server has
/// to say goes to `log`, which must not block: it is called from the
/// runtime's tasks.
pub async fn serve(
    listener: TcpListener,
    shutdown: CancellationToken,
    log: fn(String),
) -> io::Result<()> {
    let connections = TaskTracker::new();
    let places = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    // The connections' own token, cancelled once no new client can come,
    // and when `serve` is dropped, which a `TaskTracker` does not do: its
    // tasks would run on.
    let finish = CancellationToken::new();
    let _finish_if_dropped = finish.clone().drop_guard();
    let mut next_id = 1;
    loop {
        let accepted = tokio::select! {
            accepted = accept(&listener, &places, log) => accepted,
            () = shutdown.cancelled() => break,
        };
        match accepted {
            Ok((place, socket, peer)) => {
                let id = next_id;
                next_id += 1;
                let finish = finish.clone();
                connections.spawn(async move {
                    let _place = place; // given back when the connection ends
                    if let Err(error) = echo_lines(id, socket, finish, log).await {
                        log(format!(
                            "server: connection {id} from {peer} failed: {error}"
                        ));
                    }
                });
            }
            // A failed accept (out of file descriptors, a connection reset
            // before it was accepted) is the client's or the moment's
            // problem, not a reason to stop serving. Out of descriptors,
            // the next accept fails at once too, so pause rather than spin.
            Err(error) => {
                log(format!("server: accept failed: {error}"));
                tokio::time::sleep(ACCEPT_PAUSE).await;
            }
        }
    }
    // Closed first, so that a client who comes while the open connections
    // finish is refused at once, not let in by the system and then reset.
    drop(listener);
    let open = connections.len();
    let plural = if open == 1 { "" } else { "s" };
    log(format!(
        "server: stopped listening; {open} connection{plural} still open"
    ));
    finish.cancel();
    connections.close();
    connections.wait().await;
    Ok(())
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
) -> io::Result<(OwnedSemaphorePermit, TcpStream, SocketAddr)> {
    let place = match Arc::clone(places).try_acquire_owned() {
        Ok(place) => place,
        Err(_no_place) => {
            log(format!(
                "server: all {MAX_CONNECTIONS} places are taken; new clients wait"
            ));
            let place = Arc::clone(places).acquire_owned().await;
            place.map_err(io::Error::other)?
        }
    };
    let (socket, peer) = listener.accept().await?;
    Ok((place, socket, peer))
}

/// How long a reply may wait for the client to make room for it.
const SEND_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the goodbye may wait for room in the client's socket: with the
/// drain after it, a connection ends within 1.5 s of the shutdown, whatever
/// its client does. A client that takes none is an error, which the log
/// tells from a reply's `SEND_TIMEOUT` by its limit.
const GOODBYE_TIMEOUT: Duration = Duration::from_millis(500);
/// How much of a client's remaining input is read, and for how long, before
/// its connection is closed.
const DRAIN_LIMIT: u64 = 64 * 1024;
const DRAIN_TIME: Duration = Duration::from_secs(1);

/// How long a client has for each whole line, from the end of the one
/// before, however its bytes come: with places capped, clients that could
/// stay without finishing a line would hold theirs for good.
const LINE_TIMEOUT: Duration = Duration::from_secs(30);

/// The longest line the server echoes, in bytes, without its newline.
pub const MAX_LINE: usize = 1024;

/// Echoes each line back with an `echo: ` prefix until the client ends the
/// stream or the server shuts down. A line longer than `MAX_LINE` is
/// dropped, and the client gets an error line in its place.
async fn echo_lines(
    id: u32,
    socket: TcpStream,
    shutdown: CancellationToken,
    log: fn(String),
) -> io::Result<()> {
    // Replies go out as they are written, not held back until the client
    // acknowledges the one before (Nagle's algorithm), as asyncio's TCP
    // transports do: a line protocol sends many small writes.
    socket.set_nodelay(true)?;
    let (reader, mut writer) = socket.into_split();
    let mut reader = BufReader::new(reader);
    let mut line = Vec::new();
    // How much of the current line was already thrown away for being too long.
    let mut dropped = 0;
    let mut lines = 0;
    // One deadline per line, not per read: a read ends at every `MAX_LINE`
    // bytes, and a deadline that each read restarted would let a client
    // that sends a little more than that now and then stay for ever.
    let mut deadline = Instant::now() + LINE_TIMEOUT;
    loop {
        // At most one byte past the limit, so that a line too long shows
        // without more of it read into memory. (`line` never holds more than
        // `MAX_LINE` bytes here: a longer one was cleared below.)
        let mut limited = (&mut reader).take((MAX_LINE + 1 - line.len()) as u64);
        // The shutdown first: a client that keeps sending can't hold it up,
        // nor what it sent after the shutdown be read as a line.
        let read = tokio::select! {
            biased;
            () = shutdown.cancelled() => {
                say_goodbye(&mut writer, &[], b"server shutting down\n").await?;
                break;
            }
            read = timeout_at(deadline, limited.read_until(b'\n', &mut line)) => read,
        };
        let Ok(read) = read else {
            // With places capped, silent clients would keep the others
            // waiting for good.
            log(format!(
                "server: connection {id} sent no whole line in {LINE_TIMEOUT:?}"
            ));
            let words = format!("error: no whole line in {LINE_TIMEOUT:?}, closing\n");
            say_goodbye(&mut writer, &[], words.as_bytes()).await?;
            break;
        };
        let read = read?;
        if read == 0 {
            let partial = dropped + line.len();
            if partial == 0 {
                log(format!(
                    "server: connection {id} ended by the client, lines echoed: {lines}"
                ));
            } else {
                // Its length, not its bytes: a line can be up to the limit
                // long, and it is the client's, not the log's.
                log(format!(
                    "server: connection {id} ended mid-line; dropped {partial} bytes"
                ));
            }
            break;
        }
        if !line.ends_with(b"\n") {
            // Either the limit or the end of the stream stopped the read;
            // the next one tells which.
            if line.len() > MAX_LINE {
                dropped += line.len();
                line.clear();
            }
            continue;
        }
        let refused = dropped > 0;
        let reply = if refused {
            let length = dropped + line.len() - 1;
            log(format!(
                "server: connection {id} refused a line of {length} bytes"
            ));
            format!("error: line longer than {MAX_LINE} bytes\n").into_bytes()
        } else {
            [b"echo: ", line.as_slice()].concat()
        };
        // A client that sends without reading fills the socket's buffers,
        // and then this write waits for it: for `SEND_TIMEOUT` at most, and
        // the shutdown not at all. `write_all_buf` moves `unsent` past what
        // it wrote, so a reply the shutdown interrupts can be finished. The
        // shutdown first again: a `SEND_TIMEOUT` that falls due with it (a
        // busy machine runs both at once) does not end the connection in
        // the goodbye's place, as `run_until_cancelled`, which prefers its
        // future, would.
        let mut unsent = reply.as_slice();
        let send = timeout(SEND_TIMEOUT, writer.write_all_buf(&mut unsent));
        let sent = tokio::select! {
            biased;
            () = shutdown.cancelled() => None,
            sent = send => Some(sent),
        };
        match sent {
            Some(Ok(written)) => written?,
            Some(Err(_elapsed)) => {
                let stopped = format!("the client made no room for a reply in {SEND_TIMEOUT:?}");
                return Err(io::Error::new(io::ErrorKind::TimedOut, stopped));
            }
            None => {
                say_goodbye(&mut writer, unsent, b"server shutting down\n").await?;
                break;
            }
        }
        if !refused {
            lines += 1;
        }
        line.clear();
        dropped = 0;
        deadline = Instant::now() + LINE_TIMEOUT;
    }
    writer.shutdown().await?;
    // A socket closed with input unread is reset, and a reset can destroy
    // the goodbye on its way: read what the client still sends, within
    // bounds, until it closes its side too.
    let mut rest = reader.take(DRAIN_LIMIT);
    let _ = timeout(
        DRAIN_TIME,
        tokio::io::copy(&mut rest, &mut tokio::io::sink()),
    )
    .await;
    Ok(())
}

/// Finishes the reply the shutdown interrupted, if any, then says `words`,
/// within `GOODBYE_TIMEOUT`: a client that reads nothing may have left no
/// room for either, and then gets neither, and an error.
async fn say_goodbye(
    writer: &mut OwnedWriteHalf,
    mut unsent: &[u8],
    words: &[u8],
) -> io::Result<()> {
    let goodbye = async {
        writer.write_all_buf(&mut unsent).await?;
        writer.write_all(words).await
    };
    match timeout(GOODBYE_TIMEOUT, goodbye).await {
        Ok(written) => written,
        Err(_elapsed) => {
            let stopped = format!("the client made no room for the goodbye in {GOODBYE_TIMEOUT:?}");
            Err(io::Error::new(io::ErrorKind::TimedOut, stopped))
        }
    }
}

/// How long a client waits for the server at each step.
const CLIENT_PATIENCE: Duration = Duration::from_secs(5);
/// The longest line a client takes from the server, in bytes, without its
/// newline: an echo of a line of `MAX_LINE` bytes.
const MAX_REPLY: usize = "echo: ".len() + MAX_LINE;

/// Runs one step of a client within `CLIENT_PATIENCE`: a server that
/// accepted and then stalled would hold the client for ever.
async fn patiently<T>(step: impl Future<Output = io::Result<T>>) -> io::Result<T> {
    timeout(CLIENT_PATIENCE, step).await.map_err(|_elapsed| {
        let stalled = format!("the server stalled for {CLIENT_PATIENCE:?}");
        io::Error::new(io::ErrorKind::TimedOut, stalled)
    })?
}

/// Reads one line from the server, as `read_line` does, but `MAX_REPLY`
/// bytes and a newline at most: past that, an error.
async fn read_reply(reader: &mut (impl AsyncBufRead + Unpin)) -> io::Result<String> {
    let mut line = Vec::new();
    let mut limited = reader.take(MAX_REPLY as u64 + 1);
    limited.read_until(b'\n', &mut line).await?;
    if line.len() > MAX_REPLY && !line.ends_with(b"\n") {
        let too_long = format!("the server sent a line longer than {MAX_REPLY} bytes");
        return Err(io::Error::new(io::ErrorKind::InvalidData, too_long));
    }
    String::from_utf8(line).map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))
}

/// Reads what the server sends until it closes the connection: a line of
/// `MAX_REPLY` bytes at most, or an error.
async fn read_until_closed(reader: impl AsyncRead + Unpin) -> io::Result<String> {
    let mut rest = Vec::new();
    let limit = MAX_REPLY + 1;
    reader.take(limit as u64 + 1).read_to_end(&mut rest).await?;
    if rest.len() > limit {
        let too_much = format!("the server sent more than {limit} bytes before closing");
        return Err(io::Error::new(io::ErrorKind::InvalidData, too_much));
    }
    String::from_utf8(rest).map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))
}

/// A client's side: one line out, the echo back, then the end of the stream.
async fn client(address: SocketAddr, message: &str) -> io::Result<()> {
    let socket = TcpStream::connect(address).await?;
    let (reader, mut writer) = socket.into_split();
    let mut reader = BufReader::new(reader);
    writer.write_all(format!("{message}\n").as_bytes()).await?;
    let echo = patiently(read_reply(&mut reader)).await?;
    println!("client: sent {message:?}, got back {:?}", echo.trim_end());

    // `writer.write_eof()`: no more lines from us. The server sees the end of
    // the stream, closes its side, and `read_until_closed` returns.
    writer.shutdown().await?;
    patiently(read_until_closed(&mut reader)).await?;
    println!("client: the server closed the connection");
    Ok(())
}

pub async fn run() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let shutdown = CancellationToken::new();
    // The server's lines, printed in order with the clients' below: a
    // blocking write, which a demonstration whose output is read can afford.
    let server = tokio::spawn(serve(listener, shutdown.clone(), |line| println!("{line}")));
    // However `run` ends (an error, or its caller dropping it at an
    // `.await`), the server and its connections are told to stop; the
    // handle alone would leave them running, detached.
    let _stop_server = shutdown.clone().drop_guard();

    client(address, "hello").await?;

    // A client that sends a line far over the limit, then a short one: the
    // server reads the long one through without keeping it, and answers
    // each line in turn.
    let (reader, mut writer) = TcpStream::connect(address).await?.into_split();
    let mut reader = BufReader::new(reader);
    let long_line = vec![b'x'; 100 * MAX_LINE];
    // 100 KiB, which the sockets' buffers may not hold: the writes may wait
    // for the server to read, so both are within one patience.
    patiently(async {
        writer.write_all(&long_line).await?;
        writer.write_all(b"\nafter\n").await
    })
    .await?;
    let reply = patiently(read_reply(&mut reader)).await?;
    println!(
        "client: sent {} bytes, got back {:?}",
        long_line.len(),
        reply.trim_end()
    );
    let reply = patiently(read_reply(&mut reader)).await?;
    println!("client: sent \"after\", got back {:?}", reply.trim_end());
    writer.shutdown().await?;
    patiently(read_until_closed(&mut reader)).await?;

    // A client that stops halfway through a line: the bytes arrive, the
    // newline never does, and its side of the stream ends. (A client whose
    // process dies looks the same: the system closes its socket.)
    let mut cut_short = TcpStream::connect(address).await?;
    cut_short.write_all(b"half a li").await?;
    cut_short.shutdown().await?;
    patiently(read_until_closed(&mut cut_short)).await?;
    println!("client: stopped mid-line, and the server closed the connection");

    // A client still connected when the server shuts down.
    let idle = TcpStream::connect(address).await?;
    let mut idle = BufReader::new(idle);
    idle.write_all(b"ping\n").await?;
    let echo = patiently(read_reply(&mut idle)).await?;
    println!("client: sent \"ping\", got back {:?}", echo.trim_end());
    shutdown.cancel();
    let goodbye = patiently(read_until_closed(&mut idle)).await?;
    drop(idle);
    println!(
        "client: the server said {:?} and closed",
        goodbye.trim_end()
    );

    server.await??;
    println!("server stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use tokio::sync::Notify;

    use super::*;

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

    /// What the header says of a `read_until` that another branch beats:
    /// the bytes it read stay in the buffer, the next call continues the
    /// line, and the count it returns covers that call alone.
    #[tokio::test(start_paused = true)]
    async fn a_cancelled_read_until_leaves_its_bytes_in_the_buffer() {
        let (mut client, server) = tokio::io::duplex(64);
        let mut reader = BufReader::new(server);
        let mut line = Vec::new();
        client.write_all(b"hel").await.unwrap();
        let cut = timeout(Duration::from_secs(1), reader.read_until(b'\n', &mut line)).await;
        assert!(cut.is_err());
        assert_eq!(line, b"hel");
        client.write_all(b"lo\n").await.unwrap();
        assert_eq!(reader.read_until(b'\n', &mut line).await.unwrap(), 3);
        assert_eq!(line, b"hello\n");
    }

    /// A client that sends and never reads: its connection's task waits for
    /// room, holding one place, and another client is served meanwhile,
    /// well before `SEND_TIMEOUT` lets it go.
    #[tokio::test(start_paused = true)]
    async fn held_caller_a_client_that_never_reads_stalls_no_one() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(serve(listener, shutdown.clone(), |_| {}));
        let mut deaf = TcpStream::connect(address).await.unwrap();
        let lines = "a line to echo\n".repeat(4096);
        while timeout(Duration::from_millis(200), deaf.write_all(lines.as_bytes()))
            .await
            .is_ok()
        {}
        let mut other = BufReader::new(TcpStream::connect(address).await.unwrap());
        let echo = timeout(SEND_TIMEOUT / 2, ask(&mut other, "hi\n")).await;
        assert_eq!(echo.expect("the other client waited"), "echo: hi\n");
        drop((deaf, other));
        shutdown.cancel();
        server.await.unwrap().unwrap();
    }

    /// A client that sends nothing is told, and closed, once it has been
    /// silent for `LINE_TIMEOUT`: with places capped, 250 of them kept every
    /// other client waiting until the shutdown.
    #[tokio::test(start_paused = true)]
    async fn a_silent_client_is_closed_after_the_line_limit() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(serve(listener, shutdown.clone(), |_| {}));
        let mut silent = TcpStream::connect(address).await.unwrap();
        let mut told = String::new();
        let read = timeout(2 * LINE_TIMEOUT, silent.read_to_string(&mut told)).await;
        assert!(read.is_ok(), "still connected after {:?}", 2 * LINE_TIMEOUT);
        assert_eq!(told, "error: no whole line in 30s, closing\n");
        drop(silent);
        shutdown.cancel();
        server.await.unwrap().unwrap();
    }

    /// A client that sends a little more than `MAX_LINE` every 20 s and never
    /// a newline: each read of the server ends at the limit, and yet the
    /// line, which has `LINE_TIMEOUT` in all, is cut then. (With a limit per
    /// read, it stayed for ever, and 250 of them kept everyone else out.)
    #[tokio::test(start_paused = true)]
    async fn a_client_trickling_a_line_is_closed_after_the_line_limit() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(serve(listener, shutdown.clone(), |_| {}));
        let (mut reader, mut writer) = TcpStream::connect(address).await.unwrap().into_split();
        let connected = Instant::now();
        let trickle = async {
            let bytes = vec![b'x'; MAX_LINE + 76];
            while writer.write_all(&bytes).await.is_ok() {
                tokio::time::sleep(Duration::from_secs(20)).await;
            }
        };
        let mut told = String::new();
        let closed = timeout(4 * LINE_TIMEOUT, async {
            tokio::select! {
                read = reader.read_to_string(&mut told) => read.map(drop),
                () = trickle => Ok(()),
            }
        })
        .await;
        assert!(
            closed.is_ok(),
            "still connected after {:?}",
            4 * LINE_TIMEOUT
        );
        assert_eq!(connected.elapsed(), LINE_TIMEOUT);
        assert_eq!(told, "error: no whole line in 30s, closing\n");
        drop((reader, writer));
        shutdown.cancel();
        server.await.unwrap().unwrap();
    }

    /// A server that accepted and then stalls (this peer never writes): a
    /// client's read gives up after `CLIENT_PATIENCE`, with an error that
    /// says so. A `duplex` peer, not a socket: the paused clock does not
    /// wait for a socket's bytes (see `testing/paused_clock_io`).
    #[tokio::test(start_paused = true)]
    async fn a_client_read_gives_up_on_a_server_that_stalls() {
        let (ours, _stalled) = tokio::io::duplex(64);
        let mut reader = BufReader::new(ours);
        let start = Instant::now();
        let gave_up = timeout(2 * CLIENT_PATIENCE, patiently(read_reply(&mut reader)))
            .await
            .expect("the client still waited");
        let error = gave_up.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        assert_eq!(error.to_string(), "the server stalled for 5s");
        assert_eq!(start.elapsed(), CLIENT_PATIENCE);
    }

    /// Sends `line` and returns the server's answer.
    async fn ask(client: &mut BufReader<TcpStream>, line: &str) -> String {
        let mut echo = String::new();
        client.write_all(line.as_bytes()).await.unwrap();
        client.read_line(&mut echo).await.unwrap();
        echo
    }

    /// The longest line the server sends, the echo of a line of
    /// `MAX_LINE` bytes, is as long as a client takes.
    #[tokio::test]
    async fn the_longest_echo_fits_the_clients_limit() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(serve(listener, shutdown.clone(), |_| {}));
        let mut client = BufReader::new(TcpStream::connect(address).await.unwrap());
        let line = format!("{}\n", "x".repeat(MAX_LINE));
        client.write_all(line.as_bytes()).await.unwrap();
        let echo = read_reply(&mut client).await.unwrap();
        assert_eq!(echo, format!("echo: {line}"));
        assert_eq!(echo.len(), MAX_REPLY + 1);
        drop(client);
        shutdown.cancel();
        server.await.unwrap().unwrap();
    }

    /// A server that sends more than `MAX_REPLY` bytes without a newline:
    /// the client's reads fail, and say so.
    #[tokio::test]
    async fn a_reply_over_the_clients_limit_is_an_error() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        // A client whose server sent `sent`, then closed the connection.
        let client_after = async |sent: &str| {
            let client = TcpStream::connect(address).await.unwrap();
            let (mut server, _peer) = listener.accept().await.unwrap();
            server.write_all(sent.as_bytes()).await.unwrap();
            BufReader::new(client)
        };
        let longest = format!("{}\n", "x".repeat(MAX_REPLY));
        let mut client = client_after(&longest).await;
        assert_eq!(read_reply(&mut client).await.unwrap(), longest);
        let mut client = client_after(&longest).await;
        assert_eq!(read_until_closed(&mut client).await.unwrap(), longest);

        let too_long = format!("x{longest}");
        let mut client = client_after(&too_long).await;
        let error = read_reply(&mut client).await.unwrap_err();
        assert_eq!(
            error.to_string(),
            "the server sent a line longer than 1030 bytes"
        );
        let mut client = client_after(&too_long).await;
        let error = read_until_closed(&mut client).await.unwrap_err();
        assert_eq!(
            error.to_string(),
            "the server sent more than 1031 bytes before closing"
        );
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
            let mut client = BufReader::new(TcpStream::connect(address).await.unwrap());
            assert_eq!(ask(&mut client, "hi\n").await, "echo: hi\n");
            served.push(client);
        }
        LOGGED.wait_for("places are taken").await;

        let mut waiting = BufReader::new(TcpStream::connect(address).await.unwrap());
        let echo = ask(&mut waiting, "one more\n");
        drop(served.remove(0));
        let echo = timeout(Duration::from_secs(30), echo).await;
        assert_eq!(echo.expect("lost past the cap"), "echo: one more\n");
        drop(served);
        shutdown.cancel();
        server.await.unwrap().unwrap();
    }

    /// A client that has read none of its echoes when the server shuts
    /// down, and was still sending: with its receive buffer small, the
    /// echoes and the goodbye wait in the server's send buffer, which a
    /// reset would throw away. The client reads once the server has
    /// stopped, so that a reset would have come first.
    #[tokio::test]
    async fn the_goodbye_reaches_a_client_that_was_still_sending() {
        static LOGGED: Logged = Logged::new();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let log = |line| LOGGED.push(line);
        let server = tokio::spawn(serve(listener, shutdown.clone(), log));

        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let mut client = socket.connect(address).await.unwrap();
        let line = format!("{}\n", "y".repeat(499));
        client.write_all(line.repeat(40).as_bytes()).await.unwrap();
        // A line too long after them, whose refusal the server logs once
        // it has echoed the 40.
        let too_long = format!("{}\n", "z".repeat(2 * MAX_LINE));
        client.write_all(too_long.as_bytes()).await.unwrap();
        LOGGED.wait_for("refused a line").await;
        shutdown.cancel();
        // Logged once the connections are told, which they hear before
        // anything else: the half line that comes now stays unread.
        LOGGED.wait_for("stopped listening").await;
        client.write_all(b"half a li").await.unwrap();
        server.await.unwrap().unwrap();

        let mut replies = String::new();
        client.read_to_string(&mut replies).await.unwrap();
        let lines: Vec<_> = replies.lines().collect();
        assert_eq!(lines.len(), 42, "40 echoes, the refusal and the goodbye");
        assert_eq!(lines[40], "error: line longer than 1024 bytes");
        assert_eq!(lines[41], "server shutting down");
    }

    /// A shutdown while a reply waits for room: the client still gets the
    /// whole reply, then the goodbye.
    #[tokio::test]
    async fn a_reply_the_shutdown_interrupts_is_finished_before_the_goodbye() {
        // Small buffers both ways, which the accepted sockets inherit: the
        // input left unread at the end fits in the drain, so no reset
        // destroys the replies.
        let small = || {
            let socket = tokio::net::TcpSocket::new_v4().unwrap();
            socket.set_send_buffer_size(4096).unwrap();
            socket.set_recv_buffer_size(4096).unwrap();
            socket
        };
        let listening = small();
        listening.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let listener = listening.listen(16).unwrap();
        let address = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(serve(listener, shutdown.clone(), |_| {}));

        // Lines out and no reply read, until the replies fill the buffers
        // both ways and the server waits for room, most likely mid-reply.
        let mut client = small().connect(address).await.unwrap();
        let line = "z".repeat(999);
        let lines = format!("{line}\n").repeat(4);
        while timeout(
            Duration::from_millis(200),
            client.write_all(lines.as_bytes()),
        )
        .await
        .is_ok()
        {}
        shutdown.cancel();

        let mut replies = String::new();
        client.read_to_string(&mut replies).await.unwrap();
        let echoes = replies
            .strip_suffix("server shutting down\n")
            .expect("the goodbye comes last");
        let echo = format!("echo: {line}\n");
        assert!(echoes.len() >= echo.len());
        assert_eq!(echoes, echo.repeat(echoes.len() / echo.len()));
        drop(client);
        server.await.unwrap().unwrap();
    }
}
