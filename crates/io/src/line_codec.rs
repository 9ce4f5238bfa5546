//! A line protocol with `tokio_util::codec`: `Framed` and `LinesCodec` turn a
//! socket into a stream of lines and a sink for replies, with a maximum line
//! length so that one client can't fill the server's memory.
//!
//! The counterpart of `readline()` under `start_server`'s `limit`. A line past
//! `new_with_max_length` is an error, as `readline` raises past its limit, and
//! so is one that is not UTF-8. `Framed` ends after a codec error, so the
//! server answers with the error, closes, and drains what the client still
//! sends. Its time limits and its cap on connections follow the book's page
//! "Sockets, streams and processes". The clients bound replies too, at
//! `MAX_REPLY`.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, Stream, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::timeout;
use tokio_util::codec::{Framed, LinesCodec, LinesCodecError};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The longest line the server accepts, in bytes.
pub const MAX_LINE: usize = 32;
/// How long a client may send nothing (or less than a line) before it is
/// closed: without it, silent clients would hold their places for good.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a reply may wait for the client to make room for it.
const SEND_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the goodbye may wait for room: with the drain after it, a
/// connection ends within 1.5 s of the shutdown, whatever its client does.
const GOODBYE_TIMEOUT: Duration = Duration::from_millis(500);
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
    loop {
        let accepted = tokio::select! {
            accepted = accept(&listener, &places, log) => accepted,
            () = shutdown.cancelled() => break,
        };
        match accepted {
            Ok((place, socket, peer)) => {
                let finish = finish.clone();
                connections.spawn(async move {
                    let _place = place; // given back when the connection ends
                    if let Err(error) = handle(socket, finish).await {
                        log(format!("server: connection from {peer} failed: {error}"));
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

/// Serves one connection: each line comes back in capitals, until the
/// client ends the stream, sends a line the protocol refuses, or the server
/// shuts down.
pub async fn handle(socket: TcpStream, shutdown: CancellationToken) -> io::Result<()> {
    // Replies go out as they are written, not held back until the client
    // acknowledges the one before (Nagle's algorithm), as asyncio's TCP
    // transports do: a line protocol sends many small writes.
    socket.set_nodelay(true)?;
    let mut lines = Framed::new(socket, LinesCodec::new_with_max_length(MAX_LINE));
    // Every read and every reply races the shutdown, so a client that stops
    // reading holds its task for the goodbye's time, not a reply's. Nothing
    // is cut in half: a line half read stays in the codec's read buffer, and
    // a reply half sent in its write buffer, ahead of the goodbye.
    // `biased;`, the shutdown first: a time limit that falls due with it (a
    // busy machine runs both at once) does not end the connection in the
    // goodbye's place, as `run_until_cancelled`, which prefers its future,
    // would.
    let ended = tokio::select! {
        biased;
        () = shutdown.cancelled() => None,
        ended = converse(&mut lines) => Some(ended),
    };
    match ended {
        Some(ended) => ended?,
        None => send(&mut lines, "server shutting down", GOODBYE_TIMEOUT).await?,
    }
    // `close` flushes what is left and ends the stream; `String` names which
    // of the codec's `Encoder`s the sink is. `send` flushed already, so this
    // waits for no room in the client's buffers.
    SinkExt::<String>::close(&mut lines)
        .await
        .map_err(into_io)?;
    // A socket closed with unread input makes the system send a reset, and
    // a reset can destroy the reply before the client has read it. So read
    // what the client still sends, up to a bound of bytes and of time,
    // until it closes its side too.
    let mut rest = lines.into_inner().take(DRAIN_LIMIT);
    let mut discard = tokio::io::sink();
    // Running out of time or into an error ends the drain; either way the
    // socket is dropped next.
    let _ = timeout(DRAIN_TIME, tokio::io::copy(&mut rest, &mut discard)).await;
    Ok(())
}

/// Answers each line until the client ends the stream or sends a line the
/// protocol refuses.
async fn converse(lines: &mut Framed<TcpStream, LinesCodec>) -> io::Result<()> {
    loop {
        // With places capped, silent clients would keep the others waiting
        // for good.
        let Ok(line) = timeout(IDLE_TIMEOUT, lines.next()).await else {
            let words = format!("error: nothing sent for {IDLE_TIMEOUT:?}, closing");
            return send(lines, &words, SEND_TIMEOUT).await;
        };
        let Some(line) = line else {
            return Ok(());
        };
        let reply = match line {
            Ok(line) => line.to_uppercase(),
            Err(LinesCodecError::MaxLineLengthExceeded) => {
                format!("error: line longer than {MAX_LINE} bytes, closing")
            }
            Err(LinesCodecError::Io(error)) if error.kind() == io::ErrorKind::InvalidData => {
                "error: line is not UTF-8, closing".to_owned()
            }
            Err(LinesCodecError::Io(error)) => return Err(error),
        };
        let refused = reply.starts_with("error: ");
        send(lines, &reply, SEND_TIMEOUT).await?;
        if refused {
            return Ok(());
        }
    }
}

/// Sends one line, or fails if the client has not made room for it within
/// `limit`: a client that never reads must not keep its task for ever. The
/// error names the limit, so the log tells a reply's from the goodbye's.
async fn send(
    lines: &mut Framed<TcpStream, LinesCodec>,
    line: &str,
    limit: Duration,
) -> io::Result<()> {
    match timeout(limit, lines.send(line)).await {
        Ok(sent) => sent.map_err(into_io),
        Err(_elapsed) => {
            let stopped = format!("the client made no room for a line in {limit:?}");
            Err(io::Error::new(io::ErrorKind::TimedOut, stopped))
        }
    }
}

/// How much of a refused client's remaining input is read before closing.
const DRAIN_LIMIT: u64 = 64 * 1024;
/// And for how long.
const DRAIN_TIME: Duration = Duration::from_secs(1);

/// How long a client waits for the server at each step.
const CLIENT_PATIENCE: Duration = Duration::from_secs(5);
/// The longest reply a client takes, in bytes: a line of `MAX_LINE` bytes in
/// capitals is at most three times as long (`to_uppercase` turns `ΐ`, 2
/// bytes, into 6), and the server's errors are shorter.
const MAX_REPLY: usize = 3 * MAX_LINE;

/// Runs one step of a client within `CLIENT_PATIENCE`: a server that
/// accepted and then stalled would hold the client for ever.
async fn patiently<T>(step: impl Future<Output = io::Result<T>>) -> io::Result<T> {
    timeout(CLIENT_PATIENCE, step).await.map_err(|_elapsed| {
        let stalled = format!("the server stalled for {CLIENT_PATIENCE:?}");
        io::Error::new(io::ErrorKind::TimedOut, stalled)
    })?
}

/// The server's next line, or `None` once it has closed the connection.
async fn next_reply(
    lines: &mut (impl Stream<Item = Result<String, LinesCodecError>> + Unpin),
) -> io::Result<Option<String>> {
    lines.next().await.transpose().map_err(into_io)
}

/// The clients' codec: the server's, with `MAX_REPLY` for its limit.
fn client_codec() -> LinesCodec {
    LinesCodec::new_with_max_length(MAX_REPLY)
}

/// Reads what the server sends until it closes the connection: `MAX_REPLY`
/// bytes and a newline at most, or an error.
async fn read_until_closed(socket: &mut TcpStream) -> io::Result<String> {
    let mut reply = Vec::new();
    let limit = MAX_REPLY + 1;
    (&mut *socket)
        .take(limit as u64 + 1)
        .read_to_end(&mut reply)
        .await?;
    if reply.len() > limit {
        return Err(into_io(LinesCodecError::MaxLineLengthExceeded));
    }
    String::from_utf8(reply).map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))
}

/// Only a client's decoder, whose limit is `MAX_REPLY`, fails with
/// `MaxLineLengthExceeded`: the server's decoding errors are answered in
/// `converse`, and encoding never fails with it.
fn into_io(error: LinesCodecError) -> io::Error {
    match error {
        LinesCodecError::Io(error) => error,
        LinesCodecError::MaxLineLengthExceeded => io::Error::new(
            io::ErrorKind::InvalidData,
            format!("the server sent a line longer than {MAX_REPLY} bytes"),
        ),
    }
}

pub async fn run() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(serve(listener, shutdown.clone(), |line| println!("{line}")));
    // However `run` ends (an error, or its caller dropping it at an
    // `.await`), the server and its connections are told to stop; the
    // handle alone would leave them running, detached.
    let _stop_server = shutdown.clone().drop_guard();

    // The client speaks the same protocol, so it frames with the same codec.
    let mut client = Framed::new(TcpStream::connect(address).await?, client_codec());
    for line in [
        "hello",
        "a line of exactly thirty-two b..",
        &"x".repeat(100),
    ] {
        client.send(line).await.map_err(into_io)?;
        match patiently(next_reply(&mut client)).await? {
            Some(reply) => println!("sent {} bytes, got {reply:?}", line.len()),
            None => println!("sent {} bytes, and the server had closed", line.len()),
        }
    }
    let after = patiently(next_reply(&mut client)).await?;
    println!("then the server closed the connection: {}", after.is_none());
    // The server reads what a refused client still sends until it closes
    // its side (or a second passes), so close it.
    drop(client);

    // Bytes that are not UTF-8, written without a codec.
    let mut raw = TcpStream::connect(address).await?;
    raw.write_all(b"caf\xe9\n").await?;
    let reply = patiently(read_until_closed(&mut raw)).await?;
    println!("sent Latin-1 bytes, got {:?}", reply.trim_end());
    drop(raw);

    // A client still connected when the server shuts down.
    let mut idle = Framed::new(TcpStream::connect(address).await?, client_codec());
    idle.send("still here").await.map_err(into_io)?;
    let reply = patiently(next_reply(&mut idle))
        .await?
        .ok_or(io::ErrorKind::UnexpectedEof)?;
    println!("sent \"still here\", got {reply:?}");
    shutdown.cancel();
    let goodbye = patiently(next_reply(&mut idle))
        .await?
        .ok_or(io::ErrorKind::UnexpectedEof)?;
    let after = patiently(next_reply(&mut idle)).await?;
    println!(
        "the server said {goodbye:?}, then closed the connection: {}",
        after.is_none()
    );
    drop(idle);

    server.await??;
    println!("server stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use tokio::sync::Notify;
    use tokio::time::Instant;

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

    /// A server that accepted and then stalls (this peer never writes): a
    /// step of the demonstration's client gives up after `CLIENT_PATIENCE`,
    /// with an error that says so. A `duplex` peer, not a socket: the
    /// paused clock does not wait for a socket's bytes (see
    /// `testing/paused_clock_io`).
    #[tokio::test(start_paused = true)]
    async fn a_client_step_gives_up_on_a_server_that_stalls() {
        let (ours, _stalled) = tokio::io::duplex(64);
        let mut client = Framed::new(ours, client_codec());
        client.send("hello").await.unwrap();
        let start = Instant::now();
        let gave_up = timeout(2 * CLIENT_PATIENCE, patiently(next_reply(&mut client)))
            .await
            .expect("the client still waited");
        let error = gave_up.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        assert_eq!(error.to_string(), "the server stalled for 5s");
        assert_eq!(start.elapsed(), CLIENT_PATIENCE);
    }

    /// The longest reply the server can send, a line of `MAX_LINE` bytes
    /// of `ΐ` in capitals, is as long as a client takes.
    #[tokio::test]
    async fn the_longest_reply_fits_the_clients_limit() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(serve(listener, shutdown.clone(), |_| {}));
        let mut client = Framed::new(TcpStream::connect(address).await.unwrap(), client_codec());
        let line = "ΐ".repeat(MAX_LINE / "ΐ".len());
        client.send(&line).await.unwrap();
        let reply = client.next().await.unwrap().unwrap();
        assert_eq!((reply.len(), reply), (MAX_REPLY, line.to_uppercase()));
        drop(client);
        shutdown.cancel();
        server.await.unwrap().unwrap();
    }

    /// A server that sends more than `MAX_REPLY` bytes without a newline:
    /// the client's codec, and its read to the end, fail and say so.
    #[tokio::test]
    async fn a_reply_over_the_clients_limit_is_an_error() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let longest = "x".repeat(MAX_REPLY);
        let too_long = "the server sent a line longer than 96 bytes";

        let socket = TcpStream::connect(address).await.unwrap();
        let mut client = Framed::new(socket, client_codec());
        let (mut server, _peer) = listener.accept().await.unwrap();
        let lines = format!("{longest}\n{longest}x\n");
        server.write_all(lines.as_bytes()).await.unwrap();
        assert_eq!(client.next().await.unwrap().unwrap(), longest);
        let error = into_io(client.next().await.unwrap().unwrap_err());
        assert_eq!(error.to_string(), too_long);

        for (sent, read) in [
            (format!("{longest}\n"), Ok(format!("{longest}\n"))),
            (format!("{longest}x\n"), Err(too_long)),
        ] {
            let mut client = TcpStream::connect(address).await.unwrap();
            let (mut server, _peer) = listener.accept().await.unwrap();
            server.write_all(sent.as_bytes()).await.unwrap();
            drop(server);
            let reply = read_until_closed(&mut client).await;
            assert_eq!(
                reply.map_err(|error| error.to_string()),
                read.map_err(str::to_owned)
            );
        }
    }

    #[tokio::test]
    async fn a_line_over_the_limit_is_refused_and_the_connection_closed() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(serve(listener, shutdown.clone(), |_| {}));

        let mut client = Framed::new(
            TcpStream::connect(address).await.unwrap(),
            LinesCodec::new(),
        );
        client.send("x".repeat(MAX_LINE)).await.unwrap();
        assert_eq!(client.next().await.unwrap().unwrap(), "X".repeat(MAX_LINE));

        client.send("x".repeat(MAX_LINE + 1)).await.unwrap();
        let reply = client.next().await.unwrap().unwrap();
        assert_eq!(
            reply,
            format!("error: line longer than {MAX_LINE} bytes, closing")
        );
        assert!(
            client.next().await.is_none(),
            "the server closed the connection"
        );
        drop(client);
        shutdown.cancel();
        server.await.unwrap().unwrap();
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
        let connect = || async {
            Framed::new(
                TcpStream::connect(address).await.unwrap(),
                LinesCodec::new(),
            )
        };
        let mut served = Vec::new();
        for _ in 0..MAX_CONNECTIONS {
            let mut client = connect().await;
            client.send("hi").await.unwrap();
            assert_eq!(client.next().await.unwrap().unwrap(), "HI");
            served.push(client);
        }

        LOGGED.wait_for("places are taken").await;

        let mut waiting = connect().await;
        waiting.send("one more").await.unwrap();
        drop(served.remove(0));
        let answer = timeout(Duration::from_secs(30), waiting.next()).await;
        assert_eq!(
            answer.expect("lost past the cap").unwrap().unwrap(),
            "ONE MORE"
        );
        drop((served, waiting));
        shutdown.cancel();
        server.await.unwrap().unwrap();
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
        let lines = "a line\n".repeat(8 * 1024);
        while timeout(Duration::from_millis(200), deaf.write_all(lines.as_bytes()))
            .await
            .is_ok()
        {}
        let mut other = Framed::new(
            TcpStream::connect(address).await.unwrap(),
            LinesCodec::new(),
        );
        let asked = async {
            other.send("hi").await.unwrap();
            other.next().await.unwrap().unwrap()
        };
        let answer = timeout(SEND_TIMEOUT / 2, asked).await;
        assert_eq!(answer.expect("the other client waited"), "HI");
        drop((deaf, other));
        shutdown.cancel();
        server.await.unwrap().unwrap();
    }

    /// A client that sends nothing is told, and closed, once it has been
    /// silent for `IDLE_TIMEOUT`: with places capped, 250 of them kept every
    /// other client waiting until the shutdown.
    #[tokio::test(start_paused = true)]
    async fn a_silent_client_is_closed_after_the_idle_limit() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(serve(listener, shutdown.clone(), |_| {}));
        let mut silent = TcpStream::connect(address).await.unwrap();
        let mut told = String::new();
        let read = timeout(2 * IDLE_TIMEOUT, silent.read_to_string(&mut told)).await;
        assert!(read.is_ok(), "still connected after {:?}", 2 * IDLE_TIMEOUT);
        assert_eq!(told, "error: nothing sent for 30s, closing\n");
        drop(silent);
        shutdown.cancel();
        server.await.unwrap().unwrap();
    }

    /// A client that sends and never reads, until its replies fill the
    /// buffers both ways and its task waits for room to send: a shutdown
    /// still ends within 2 s, what the hostile-input suite allows the whole
    /// process.
    #[tokio::test(start_paused = true)]
    async fn a_client_that_never_reads_does_not_hold_the_shutdown() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(serve(listener, shutdown.clone(), |_| {}));

        let mut client = TcpStream::connect(address).await.unwrap();
        let lines = "a line\n".repeat(8 * 1024);
        let mut blocked = false;
        for _ in 0..16 * 1024 {
            let written = timeout(SEND_TIMEOUT / 5, client.write_all(lines.as_bytes())).await;
            if written.is_err() {
                blocked = true;
                break;
            }
        }
        assert!(blocked, "the server kept reading without sending");

        shutdown.cancel();
        let stopped = timeout(Duration::from_secs(2), server).await;
        stopped
            .expect("serve still waits 2 s after the shutdown")
            .unwrap()
            .unwrap();
    }
}
