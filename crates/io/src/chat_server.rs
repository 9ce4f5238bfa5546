//! A chat server: each line a client sends goes to all the others, joins and
//! leaves are announced, and a `CancellationToken` shuts it down gracefully.
//!
//! The classic `asyncio.start_server` demo, which the guides don't include,
//! writes each line to every client itself, so one slow client stalls the
//! sender. Here each connection's task runs a `select!` loop over its socket
//! and a `broadcast` receiver, writing at its own client's pace; a client more
//! than `BACKLOG` behind is told how many it missed. The limits it keeps on
//! every client (time to give a name, to read a line, to take a goodbye; at
//! most `MAX_CONNECTIONS`; closed once quiet for `IDLE_TIMEOUT` of a full
//! server) follow the book's page "Sockets, streams and processes"; its
//! clients take lines of `MAX_HEARD` bytes at most. It also runs on its own:
//! `cargo run -p io --bin io-serve -- chat --port 7000`.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::time::{Instant, sleep_until, timeout};
use tokio_util::codec::{Framed, FramedRead, FramedWrite, LinesCodec, LinesCodecError};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// How many messages a client's task may fall behind before it misses some.
const BACKLOG: usize = 64;
/// The longest line a client may send, in bytes.
const MAX_LINE: usize = 1024;
/// How long a client may leave a line unread before it is dropped.
const SEND_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the goodbye may wait for room: with the drain after it, a
/// connection ends within 1.5 s of the shutdown, whatever its client does.
const GOODBYE_TIMEOUT: Duration = Duration::from_millis(500);
/// How long a new client has to give its name.
const NAME_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a named client may say nothing once every place is taken.
const IDLE_TIMEOUT: Duration = Duration::from_secs(300);
/// How much of a client's remaining input is read, and for how long, before
/// its connection is closed.
const DRAIN_LIMIT: u64 = 64 * 1024;
const DRAIN_TIME: Duration = Duration::from_secs(1);
/// The most connections served at once.
const MAX_CONNECTIONS: usize = 250;
/// How long to wait before accepting again after an accept failed.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// A message on the channel: its number in the channel's order, the
/// connection it came from, so that a client's task doesn't echo the
/// client's own lines back, and its text.
#[derive(Clone, Debug)]
struct Message {
    number: u64,
    from: u64,
    text: String,
}

/// What every connection shares: the channel, and the count of messages
/// sent on it.
struct Room {
    messages: broadcast::Sender<Message>,
    /// Numbered under this lock as they go into the channel, so that the
    /// numbers follow the channel's order even on a multi-thread runtime.
    sent: Mutex<u64>,
}

impl Room {
    fn new() -> Self {
        Room {
            messages: broadcast::channel(BACKLOG).0,
            sent: Mutex::new(0),
        }
    }

    fn sent(&self) -> MutexGuard<'_, u64> {
        // Nothing under this lock can panic halfway, so a poisoned one
        // still holds a good count.
        self.sent.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Joins a named client to the room: its inbox, with the number of the
    /// last message sent before it, and how many others are in the room.
    fn join(&self) -> (broadcast::Receiver<Message>, u64, usize) {
        let sent = self.sent();
        let inbox = self.messages.subscribe();
        // Only named clients hold a receiver, this one included.
        (inbox, *sent, self.messages.receiver_count() - 1)
    }

    /// Sends `text` to everyone in the room, and returns its number.
    fn broadcast(&self, from: u64, text: String) -> u64 {
        let mut sent = self.sent();
        *sent += 1;
        // `send` fails only when no receiver is left: nobody is in the room
        // to hear it, which is no error.
        let _ = self.messages.send(Message {
            number: *sent,
            from,
            text,
        });
        *sent
    }
}

/// Accepts clients until `shutdown` is cancelled, then stops listening,
/// tells the open connections to say goodbye, and waits until every one
/// has. What the server has to say goes to `log`, which must not block: it
/// is called from the runtime's tasks.
pub async fn serve(
    listener: TcpListener,
    shutdown: CancellationToken,
    log: fn(String),
) -> io::Result<()> {
    let room = Arc::new(Room::new());
    let connections = TaskTracker::new();
    let places = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    // Since when every place has been taken, while it is.
    let full = watch::Sender::new(None);
    // The connections' own token, cancelled once no new client can come,
    // and when `serve` is dropped, which a `TaskTracker` does not do: its
    // tasks would run on.
    let finish = CancellationToken::new();
    let _finish_if_dropped = finish.clone().drop_guard();
    let mut next_id = 0;
    loop {
        let accepted = tokio::select! {
            accepted = accept(&listener, &places, &full) => accepted,
            () = shutdown.cancelled() => break,
        };
        match accepted {
            Ok((place, socket)) => {
                next_id += 1;
                let connection = Connection {
                    id: next_id,
                    room: Arc::clone(&room),
                    shutdown: finish.clone(),
                    full: full.subscribe(),
                    log,
                };
                connections.spawn(async move {
                    let _place = place; // given back when the connection ends
                    if let Err(error) = connection.serve(socket).await {
                        log(format!(
                            "chat: connection {} failed: {error}",
                            connection.id
                        ));
                    }
                });
            }
            // Not a reason to stop serving the others. Out of file
            // descriptors, the next accept fails at once too, so pause
            // rather than spin.
            Err(error) => {
                log(format!("chat: accept failed: {error}"));
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
        "chat: stopped listening; {open} connection{plural} still open"
    ));
    finish.cancel();
    connections.close();
    connections.wait().await;
    Ok(())
}

/// Waits for a free place, then for a client to take it: a client past
/// `MAX_CONNECTIONS` waits until a connection ends, connected but not
/// accepted, in the listening socket's backlog (128), and past that with
/// its connect waiting too, the system retrying it. (`acquire_owned` fails
/// only once the semaphore is closed, which this one never is.) `full`
/// holds the instant it began to wait for a place, while it waits.
async fn accept(
    listener: &TcpListener,
    places: &Arc<Semaphore>,
    full: &watch::Sender<Option<Instant>>,
) -> io::Result<(OwnedSemaphorePermit, TcpStream)> {
    let place = match Arc::clone(places).try_acquire_owned() {
        Ok(place) => place,
        Err(_no_place) => {
            full.send_replace(Some(Instant::now()));
            let place = Arc::clone(places).acquire_owned().await;
            full.send_replace(None);
            place.map_err(io::Error::other)?
        }
    };
    let (socket, _peer) = listener.accept().await?;
    Ok((place, socket))
}

struct Connection {
    id: u64,
    room: Arc<Room>,
    shutdown: CancellationToken,
    /// Since when every place has been taken, while it is.
    full: watch::Receiver<Option<Instant>>,
    log: fn(String),
}

/// How a conversation ended, when the shutdown did not end it.
enum Ended {
    /// The client went: nothing is left to tell it.
    Gone,
    /// The last line is sent: close, and drain what the client still sends.
    HangUp,
}

impl Connection {
    async fn serve(&self, socket: TcpStream) -> Result<(), LinesCodecError> {
        // Lines go out as they are written, not held back until the client
        // acknowledges the one before (Nagle's algorithm), as asyncio's TCP
        // transports do: a line protocol sends many small writes.
        socket.set_nodelay(true)?;
        let (reader, writer) = socket.into_split();
        let mut lines = FramedRead::new(reader, LinesCodec::new_with_max_length(MAX_LINE));
        let mut client = FramedWrite::new(writer, LinesCodec::new());
        // Every read and every write races the shutdown, so a client that
        // stops reading holds its task for the goodbye's time, not a
        // write's. No line is cut in half: one half sent stays in the
        // codec's buffer, ahead of the goodbye. `biased;`, the shutdown
        // first: a write's time limit that falls due with it (a busy machine
        // runs both at once) does not end the connection in the goodbye's
        // place, as `run_until_cancelled`, which prefers its future, would.
        let conversation = self.converse(&mut lines, &mut client);
        let ended = tokio::select! {
            biased;
            () = self.shutdown.cancelled() => None,
            ended = conversation => Some(ended),
        };
        match ended {
            Some(Ok(Ended::Gone)) => Ok(()),
            Some(Ok(Ended::HangUp)) => hang_up(client, lines).await,
            Some(Err(error)) => Err(error),
            // Everyone is told the same; no "left" for each of them.
            None => {
                send(&mut client, "server shutting down", GOODBYE_TIMEOUT).await?;
                hang_up(client, lines).await
            }
        }
    }

    async fn converse(
        &self,
        lines: &mut FramedRead<OwnedReadHalf, LinesCodec>,
        client: &mut FramedWrite<OwnedWriteHalf, LinesCodec>,
    ) -> Result<Ended, LinesCodecError> {
        send(client, "your name?", SEND_TIMEOUT).await?;
        let name = match timeout(NAME_TIMEOUT, lines.next()).await {
            Ok(Some(Ok(name))) if !name.trim().is_empty() => name.trim().to_owned(),
            Ok(None) => return Ok(Ended::Gone),
            Ok(Some(named)) => {
                let refusal = match named {
                    Ok(_empty) => "a name can't be empty; bye".to_owned(),
                    Err(error) => refusal(&error),
                };
                send(client, refusal, SEND_TIMEOUT).await?;
                return Ok(Ended::HangUp);
            }
            Err(_elapsed) => {
                let id = self.id;
                (self.log)(format!(
                    "chat: connection {id} gave no name in {NAME_TIMEOUT:?}"
                ));
                let bye = format!("no name within {NAME_TIMEOUT:?}; bye");
                send(client, bye, SEND_TIMEOUT).await?;
                return Ok(Ended::HangUp);
            }
        };
        // In the room from here on, and not before: a client that is still
        // to give its name hears nothing, and counts for nobody.
        let (mut inbox, mut heard, others) = self.room.join();
        let welcome = format!("welcome, {name}; {others} already connected");
        send(client, welcome, SEND_TIMEOUT).await?;
        // The numbers of this client's own messages that its inbox has not
        // given back yet: the channel counts them among what a client that
        // falls behind missed, and they are no loss to it.
        let mut own = VecDeque::from([self.room.broadcast(self.id, format!("{name} joined"))]);
        // What it hears doesn't count: the system takes lines for a client
        // that is gone.
        let mut said_last = Instant::now();
        let mut full = self.full.clone();

        let ended = loop {
            tokio::select! {
                line = lines.next() => match line {
                    Some(Ok(line)) => {
                        said_last = Instant::now();
                        own.push_back(self.room.broadcast(self.id, format!("{name}: {line}")));
                    }
                    // A line too long, or not UTF-8: this client is told,
                    // and done.
                    Some(Err(error @ LinesCodecError::MaxLineLengthExceeded)) => {
                        break send(client, refusal(&error), SEND_TIMEOUT).await;
                    }
                    Some(Err(LinesCodecError::Io(error))) if error.kind() == io::ErrorKind::InvalidData => {
                        break send(client, refusal(&error.into()), SEND_TIMEOUT).await;
                    }
                    // Disconnected, cleanly or not: nothing to tell it.
                    Some(Err(LinesCodecError::Io(_))) | None => break Ok(()),
                },
                () = quiet_while_full(&mut full, said_last) => {
                    let bye = format!("nothing said for {IDLE_TIMEOUT:?}, and the server is full; bye");
                    break send(client, bye, SEND_TIMEOUT).await;
                }
                message = inbox.recv() => {
                    let sent = match message {
                        Ok(message) if message.from == self.id => {
                            heard = message.number;
                            own.pop_front();
                            continue;
                        }
                        Ok(message) => {
                            heard = message.number;
                            send(client, message.text, SEND_TIMEOUT).await
                        }
                        Err(RecvError::Lagged(skipped)) => {
                            // The channel let go of the next `skipped`
                            // messages after the last one heard, some of them
                            // maybe this client's own.
                            heard += skipped;
                            let mut missed = skipped;
                            while own.front().is_some_and(|&number| number <= heard) {
                                own.pop_front();
                                missed -= 1;
                            }
                            if missed == 0 {
                                continue;
                            }
                            let notice = format!("(you missed {missed} messages)");
                            send(client, notice, SEND_TIMEOUT).await
                        }
                        // Every sender is gone, which `serve` never lets
                        // happen while a connection is open; end cleanly all
                        // the same.
                        Err(RecvError::Closed) => break Ok(()),
                    };
                    if sent.is_err() {
                        break sent;
                    }
                }
            }
        };
        // However this client went (it hung up, broke the rules or stopped
        // reading), the others hear that it left.
        drop(inbox);
        self.room.broadcast(self.id, format!("{name} left"));
        ended.map(|()| Ended::HangUp)
    }
}

/// Returns once a client that last spoke at `said_last` has said nothing
/// for `IDLE_TIMEOUT` while every place was taken: counted from its last
/// line or from the instant the server filled, whichever came later, so
/// that each client gets the whole time, however long it was quiet before.
/// Never while a place is free, so that a quiet client keeps its place
/// until someone may need it. (The server can't tell whether anyone waits
/// without accepting them, so it closes quiet clients even if nobody does.)
async fn quiet_while_full(full: &mut watch::Receiver<Option<Instant>>, said_last: Instant) {
    loop {
        // Fails only once `serve` has dropped the sender, which it never
        // does while a connection is open. (`wait_for` gives a reference
        // that holds a lock: copied out.)
        let Ok(filled) = full.wait_for(Option::is_some).await.map(|filled| *filled) else {
            return std::future::pending().await;
        };
        let quiet_since = filled.map_or(said_last, |filled| filled.max(said_last));
        let deadline = quiet_since + IDLE_TIMEOUT;
        let freed = tokio::select! {
            () = sleep_until(deadline) => return,
            freed = full.wait_for(Option::is_none) => freed.is_ok(),
        };
        if !freed {
            return std::future::pending().await;
        }
    }
}

/// What a client is told of a line the server refuses, before it is closed.
fn refusal(error: &LinesCodecError) -> String {
    match error {
        LinesCodecError::MaxLineLengthExceeded => {
            format!("lines are at most {MAX_LINE} bytes; bye")
        }
        LinesCodecError::Io(_) => "lines must be UTF-8 text; bye".to_owned(),
    }
}

/// Sends one line, or fails if the client has not made room for it within
/// `limit`. The error names the limit, so the log tells a line's from the
/// goodbye's.
async fn send(
    client: &mut FramedWrite<OwnedWriteHalf, LinesCodec>,
    line: impl AsRef<str>,
    limit: Duration,
) -> Result<(), LinesCodecError> {
    match timeout(limit, client.send(line)).await {
        Ok(sent) => sent,
        Err(_elapsed) => {
            let stopped = format!("the client made no room for a line in {limit:?}");
            Err(io::Error::new(io::ErrorKind::TimedOut, stopped).into())
        }
    }
}

/// Ends the stream, then reads and discards what the client still sends,
/// up to `DRAIN_LIMIT` bytes and `DRAIN_TIME`, before the socket is closed.
/// (`send` has flushed every line, so `close` waits for nothing.)
async fn hang_up(
    mut client: FramedWrite<OwnedWriteHalf, LinesCodec>,
    lines: FramedRead<OwnedReadHalf, LinesCodec>,
) -> Result<(), LinesCodecError> {
    SinkExt::<String>::close(&mut client).await?;
    let mut rest = lines.into_inner().take(DRAIN_LIMIT);
    // Running out of time or into an error ends the drain; either way the
    // socket is closed next.
    let _ = timeout(
        DRAIN_TIME,
        tokio::io::copy(&mut rest, &mut tokio::io::sink()),
    )
    .await;
    Ok(())
}

/// How long a client waits for the server to say something.
const CLIENT_PATIENCE: Duration = Duration::from_secs(5);
/// The longest line a client takes, in bytes: a message is a name and a
/// line, each of `MAX_LINE` bytes at most, with `": "` between them.
const MAX_HEARD: usize = 2 * MAX_LINE + ": ".len();

/// A scripted client that prints every line it hears. (Over any stream, so
/// that a test can give it a peer that never speaks.)
struct Client<T = TcpStream> {
    name: &'static str,
    lines: Framed<T, LinesCodec>,
}

impl Client {
    async fn join(address: SocketAddr, name: &'static str) -> Result<Self, LinesCodecError> {
        let mut client = Client {
            name,
            lines: Framed::new(
                TcpStream::connect(address).await?,
                LinesCodec::new_with_max_length(MAX_HEARD),
            ),
        };
        client.hear().await?; // "your name?"
        client.lines.send(name).await?;
        client.hear().await?; // the welcome
        Ok(client)
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> Client<T> {
    async fn say(&mut self, text: &str) -> Result<(), LinesCodecError> {
        println!("[{}] says {text:?}", self.name);
        self.lines.send(text).await
    }

    /// Prints the next line, and fails if none comes within
    /// `CLIENT_PATIENCE` (a server that accepted and then stalled would
    /// hold the client for ever) or it is longer than `MAX_HEARD`.
    async fn hear(&mut self) -> Result<(), LinesCodecError> {
        let next = timeout(CLIENT_PATIENCE, self.lines.next()).await;
        let next = next.map_err(|_elapsed| {
            let stalled = format!("the server said nothing for {CLIENT_PATIENCE:?}");
            io::Error::new(io::ErrorKind::TimedOut, stalled)
        })?;
        match next {
            Some(Ok(line)) => println!("[{}] hears {line:?}", self.name),
            None => println!("[{}] is disconnected", self.name),
            Some(Err(LinesCodecError::MaxLineLengthExceeded)) => {
                let too_long = format!("the server sent a line longer than {MAX_HEARD} bytes");
                return Err(io::Error::new(io::ErrorKind::InvalidData, too_long).into());
            }
            Some(Err(error)) => return Err(error),
        }
        Ok(())
    }
}

pub async fn run() -> Result<(), LinesCodecError> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(serve(listener, shutdown.clone(), |line| {
        eprintln!("{line}")
    }));
    // However `run` ends (an error, or its caller dropping it at an
    // `.await`), the server and its connections are told to stop; the
    // handle alone would leave them running, detached.
    let _stop_server = shutdown.clone().drop_guard();

    let mut alice = Client::join(address, "alice").await?;
    let mut bob = Client::join(address, "bob").await?;
    alice.hear().await?;
    let mut carol = Client::join(address, "carol").await?;
    alice.hear().await?;
    bob.hear().await?;

    alice.say("hi all").await?;
    bob.hear().await?;
    carol.hear().await?;
    carol.say("hello alice").await?;
    alice.hear().await?;
    bob.hear().await?;

    // Bob's connection drops without a word.
    println!("[bob] disconnects");
    drop(bob);
    alice.hear().await?;
    carol.hear().await?;

    println!("-- shutting down");
    shutdown.cancel();
    for client in [&mut alice, &mut carol] {
        client.hear().await?; // the goodbye
        client.hear().await?; // and the end of the stream
    }
    drop((alice, carol));
    server.await.map_err(io::Error::from)??;
    println!("server stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncWriteExt;
    use tokio::net::TcpSocket;
    use tokio::time::sleep;

    use super::*;

    async fn start() -> (
        SocketAddr,
        CancellationToken,
        tokio::task::JoinHandle<io::Result<()>>,
    ) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(serve(listener, shutdown.clone(), |_| {}));
        (address, shutdown, server)
    }

    async fn next(client: &mut Framed<TcpStream, LinesCodec>) -> Option<String> {
        client.next().await.transpose().unwrap()
    }

    /// A server that accepted and then stalls (this peer never writes): a
    /// client waiting to hear from it gives up after `CLIENT_PATIENCE`, with
    /// an error that says so. A `duplex` peer, not a socket: the paused
    /// clock does not wait for a socket's bytes (see
    /// `testing/paused_clock_io`).
    #[tokio::test(start_paused = true)]
    async fn the_client_gives_up_on_a_server_that_stalls() {
        let (ours, _stalled) = tokio::io::duplex(64);
        let mut client = Client {
            name: "alice",
            lines: Framed::new(ours, LinesCodec::new_with_max_length(MAX_HEARD)),
        };
        let start = Instant::now();
        let heard = timeout(2 * CLIENT_PATIENCE, client.hear())
            .await
            .expect("the client still waited");
        let Err(LinesCodecError::Io(error)) = heard else {
            panic!("the client did not fail on a read");
        };
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        assert_eq!(error.to_string(), "the server said nothing for 5s");
        assert_eq!(start.elapsed(), CLIENT_PATIENCE);
    }

    /// The longest line the server sends, a line of `MAX_LINE` bytes from
    /// a client whose name is as long, is as long as a client takes.
    #[tokio::test]
    async fn the_longest_message_fits_the_clients_limit() {
        let (address, shutdown, server) = start().await;
        let mut alice = Client::join(address, "alice").await.unwrap();
        let name = "n".repeat(MAX_LINE).leak();
        let mut long = Client::join(address, name).await.unwrap();
        alice.hear().await.unwrap(); // that it joined
        long.say(&"x".repeat(MAX_LINE)).await.unwrap();
        let heard = alice.lines.next().await.unwrap().unwrap();
        assert_eq!(heard.len(), MAX_HEARD);
        drop((alice, long));
        shutdown.cancel();
        server.await.unwrap().unwrap();
    }

    /// A server that sends a line longer than `MAX_HEARD`: the client
    /// fails, and says so.
    #[tokio::test]
    async fn a_line_over_the_clients_limit_is_an_error() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let joining = Client::join(listener.local_addr().unwrap(), "alice");
        let serving = async {
            let (mut socket, _peer) = listener.accept().await.unwrap();
            let line = format!("{}\n", "x".repeat(MAX_HEARD + 1));
            socket.write_all(line.as_bytes()).await.unwrap();
            socket
        };
        let (joined, _socket) = tokio::join!(joining, serving);
        let Err(LinesCodecError::Io(error)) = joined else {
            panic!("the client took a line longer than {MAX_HEARD} bytes");
        };
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        assert_eq!(
            error.to_string(),
            "the server sent a line longer than 2050 bytes"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_client_that_gives_no_name_is_told_and_closed() {
        let (address, shutdown, server) = start().await;
        let mut client = Framed::new(
            TcpStream::connect(address).await.unwrap(),
            LinesCodec::new(),
        );
        assert_eq!(next(&mut client).await.unwrap(), "your name?");
        let told = timeout(2 * NAME_TIMEOUT, next(&mut client)).await;
        assert_eq!(
            told.expect("the server waits for ever").unwrap(),
            "no name within 30s; bye"
        );
        assert_eq!(next(&mut client).await, None);
        drop(client);
        shutdown.cancel();
        server.await.unwrap().unwrap();
    }

    async fn join(
        address: SocketAddr,
        name: &str,
        socket: TcpSocket,
    ) -> Framed<TcpStream, LinesCodec> {
        let mut client = Framed::new(socket.connect(address).await.unwrap(), LinesCodec::new());
        assert_eq!(next(&mut client).await.unwrap(), "your name?");
        client.send(name).await.unwrap();
        assert!(next(&mut client).await.unwrap().starts_with("welcome"));
        client
    }

    /// Once every place is taken, a named client that has said nothing for
    /// `IDLE_TIMEOUT` is told and closed, and the client waiting takes its
    /// place. (Without that, 250 quiet clients kept every new one out.)
    #[tokio::test(start_paused = true)]
    async fn quiet_clients_make_room_once_every_place_is_taken() {
        let (address, shutdown, server) = start().await;
        let mut quiet = Vec::new();
        for n in 0..MAX_CONNECTIONS {
            let socket = TcpSocket::new_v4().unwrap();
            quiet.push(join(address, &format!("quiet {n}"), socket).await);
        }
        let mut waiting = Framed::new(
            TcpStream::connect(address).await.unwrap(),
            LinesCodec::new(),
        );
        let asked = timeout(2 * IDLE_TIMEOUT, next(&mut waiting)).await;
        assert_eq!(asked.expect("no place was made").unwrap(), "your name?");
        // The first to come, silent the longest, was told why.
        let mut last = None;
        while let Some(line) = next(&mut quiet[0]).await {
            last = Some(line);
        }
        assert_eq!(
            last.unwrap(),
            "nothing said for 300s, and the server is full; bye"
        );
        drop((quiet, waiting));
        shutdown.cancel();
        server.await.unwrap().unwrap();
    }

    /// A client quiet since long before the server filled is not closed
    /// the moment it fills, nor are the others: each gets `IDLE_TIMEOUT`
    /// counted from then.
    #[tokio::test(start_paused = true)]
    async fn the_quiet_time_counts_from_when_the_server_filled() {
        let (address, shutdown, server) = start().await;
        let mut early = join(address, "early", TcpSocket::new_v4().unwrap()).await;
        sleep(2 * IDLE_TIMEOUT).await;
        let mut others = Vec::new();
        for n in 1..MAX_CONNECTIONS - 1 {
            let socket = TcpSocket::new_v4().unwrap();
            others.push(join(address, &format!("quiet {n}"), socket).await);
        }
        // The last place goes now, or a little later: not before.
        let filled = Instant::now();
        others.push(join(address, "last", TcpSocket::new_v4().unwrap()).await);
        let mut last = None;
        while let Some(line) = next(&mut early).await {
            last = Some(line);
        }
        assert_eq!(
            last.unwrap(),
            "nothing said for 300s, and the server is full; bye"
        );
        assert!(
            filled.elapsed() >= IDLE_TIMEOUT,
            "closed {:?} after the server filled",
            filled.elapsed()
        );
        drop((early, others));
        shutdown.cancel();
        server.await.unwrap().unwrap();
    }

    /// While a place is free, a quiet client keeps its own.
    #[tokio::test(start_paused = true)]
    async fn a_quiet_client_keeps_its_place_while_places_are_free() {
        let (address, shutdown, server) = start().await;
        let mut quiet = join(address, "quiet", TcpSocket::new_v4().unwrap()).await;
        let heard = timeout(10 * IDLE_TIMEOUT, next(&mut quiet)).await;
        assert!(heard.is_err(), "closed with places free: {heard:?}");
        shutdown.cancel();
        assert_eq!(next(&mut quiet).await.unwrap(), "server shutting down");
        drop(quiet);
        server.await.unwrap().unwrap();
    }

    /// Sockets that have not given a name are not in the room: they don't
    /// count among those "already connected".
    #[tokio::test]
    async fn only_named_clients_count_as_connected() {
        let test = async {
            let (address, shutdown, server) = start().await;
            let mut silent = Vec::new();
            for _ in 0..3 {
                let mut socket = Framed::new(
                    TcpStream::connect(address).await.unwrap(),
                    LinesCodec::new(),
                );
                assert_eq!(next(&mut socket).await.unwrap(), "your name?");
                silent.push(socket);
            }
            let mut alice = Framed::new(
                TcpStream::connect(address).await.unwrap(),
                LinesCodec::new(),
            );
            assert_eq!(next(&mut alice).await.unwrap(), "your name?");
            alice.send("alice").await.unwrap();
            let welcome = next(&mut alice).await.unwrap();
            assert_eq!(welcome, "welcome, alice; 0 already connected");
            let mut bob = join(address, "bob", TcpSocket::new_v4().unwrap()).await;
            assert_eq!(next(&mut alice).await.unwrap(), "bob joined");
            bob.send("hi").await.unwrap();
            assert_eq!(next(&mut alice).await.unwrap(), "bob: hi");
            drop((silent, alice, bob));
            shutdown.cancel();
            server.await.unwrap().unwrap();
        };
        timeout(Duration::from_secs(30), test)
            .await
            .expect("the server stopped answering");
    }

    /// A client's own lines pass through its inbox too, skipped there; when
    /// it talks faster than its task reads that inbox, the channel lets
    /// some go, and none of them is a line it missed.
    #[tokio::test]
    async fn a_client_is_never_told_it_missed_its_own_lines() {
        let test = async {
            let (address, shutdown, server) = start().await;
            let mut alice = join(address, "alice", TcpSocket::new_v4().unwrap()).await;
            let mut bob = join(address, "bob", TcpSocket::new_v4().unwrap()).await;
            assert_eq!(next(&mut alice).await.unwrap(), "bob joined");
            // Far more than `BACKLOG` lines at once, read as fast as they come.
            let flood: String = (0..20_000).map(|n| format!("{n}\n")).collect();
            alice.get_mut().write_all(flood.as_bytes()).await.unwrap();
            alice.send("done").await.unwrap();
            // Bob may miss some (a notice says so); alice's task has read all of
            // her lines once he hears the last.
            while next(&mut bob).await.unwrap() != "alice: done" {}
            bob.send("over").await.unwrap();
            assert_eq!(next(&mut alice).await.unwrap(), "bob: over");
            drop((alice, bob));
            shutdown.cancel();
            server.await.unwrap().unwrap();
        };
        timeout(Duration::from_secs(30), test)
            .await
            .expect("the server stopped answering");
    }

    /// A name or a line the server refuses gets a word before the close.
    #[tokio::test]
    async fn a_refused_name_or_line_is_told_before_the_close() {
        let test = async {
            let (address, shutdown, server) = start().await;
            let too_long = format!("lines are at most {MAX_LINE} bytes; bye");
            let not_utf8 = "lines must be UTF-8 text; bye";
            for (name, told) in [
                (vec![b'x'; MAX_LINE + 1], too_long.as_str()),
                (b"caf\xe9".to_vec(), not_utf8),
                (b"  ".to_vec(), "a name can't be empty; bye"),
            ] {
                let mut client = Framed::new(
                    TcpStream::connect(address).await.unwrap(),
                    LinesCodec::new(),
                );
                assert_eq!(next(&mut client).await.unwrap(), "your name?");
                client.get_mut().write_all(&name).await.unwrap();
                client.get_mut().write_all(b"\n").await.unwrap();
                assert_eq!(next(&mut client).await.unwrap(), told);
                assert_eq!(next(&mut client).await, None);
            }

            let mut observer = join(address, "observer", TcpSocket::new_v4().unwrap()).await;
            for (line, told) in [
                (vec![b'x'; MAX_LINE + 1], too_long.as_str()),
                (b"caf\xe9".to_vec(), not_utf8),
            ] {
                let mut client = join(address, "dave", TcpSocket::new_v4().unwrap()).await;
                assert_eq!(next(&mut observer).await.unwrap(), "dave joined");
                client.get_mut().write_all(&line).await.unwrap();
                client.get_mut().write_all(b"\n").await.unwrap();
                assert_eq!(next(&mut client).await.unwrap(), told);
                assert_eq!(next(&mut client).await, None);
                assert_eq!(next(&mut observer).await.unwrap(), "dave left");
            }
            drop(observer);
            shutdown.cancel();
            server.await.unwrap().unwrap();
        };
        timeout(Duration::from_secs(30), test)
            .await
            .expect("the server stopped answering");
    }

    /// A connection's future held at its first `Pending` once its client
    /// is in the room: polled no more, and not dropped. Its inbox falls
    /// behind, which holds up no sender, and the others talk on.
    #[tokio::test]
    async fn held_caller_a_connection_held_in_the_room_stalls_no_one() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let room = Arc::new(Room::new());
        let shutdown = CancellationToken::new();
        let (_full, full) = watch::channel(None);
        let connection = |id| Connection {
            id,
            room: Arc::clone(&room),
            shutdown: shutdown.clone(),
            full: full.clone(),
            log: |_| {},
        };
        let accept_one = || async {
            let (client, accepted) = tokio::join!(TcpStream::connect(address), listener.accept());
            let client = Framed::new(client.unwrap(), LinesCodec::new());
            (client, accepted.unwrap().0)
        };
        async fn name_yourself(client: &mut Framed<TcpStream, LinesCodec>, name: &str) -> String {
            assert_eq!(next(client).await.unwrap(), "your name?");
            client.send(name).await.unwrap();
            next(client).await.unwrap()
        }

        let (mut held_client, socket) = accept_one().await;
        let held_connection = connection(1);
        let held = held_connection.serve(socket);
        tokio::pin!(held);
        let welcome = tokio::select! {
            _ = &mut held => panic!("the held connection ended"),
            welcome = name_yourself(&mut held_client, "held") => welcome,
        };
        assert_eq!(welcome, "welcome, held; 0 already connected");
        // From here on `held` is neither polled nor dropped.

        let mut tasks = Vec::new();
        let mut clients = Vec::new();
        for (id, name) in [(2, "alice"), (3, "bob")] {
            let (mut client, socket) = accept_one().await;
            let connection = connection(id);
            tasks.push(tokio::spawn(async move { connection.serve(socket).await }));
            let welcome = name_yourself(&mut client, name).await;
            assert_eq!(
                welcome,
                format!("welcome, {name}; {} already connected", id - 1)
            );
            clients.push(client);
        }
        let [alice, bob] = &mut clients[..] else {
            unreachable!()
        };
        let talk = async {
            assert_eq!(next(alice).await.unwrap(), "bob joined");
            for n in 0..4 * BACKLOG {
                bob.send(n.to_string()).await.unwrap();
                assert_eq!(next(alice).await.unwrap(), format!("bob: {n}"));
            }
        };
        timeout(Duration::from_secs(10), talk)
            .await
            .expect("the room stalled behind the held connection");

        shutdown.cancel();
        for client in &mut clients {
            assert_eq!(next(client).await.unwrap(), "server shutting down");
        }
        drop(clients);
        for task in tasks {
            task.await.unwrap().unwrap();
        }
    }

    /// A client that stops reading while another talks: its task waits for
    /// room to send, and the others hear every line all the same.
    #[tokio::test]
    async fn held_caller_a_client_that_stops_reading_stalls_no_one() {
        let (address, shutdown, server) = start().await;
        let small = TcpSocket::new_v4().unwrap();
        small.set_recv_buffer_size(4096).unwrap();
        let deaf = join(address, "deaf", small).await;
        let mut listener = join(address, "listener", TcpSocket::new_v4().unwrap()).await;
        let mut talker = join(address, "talker", TcpSocket::new_v4().unwrap()).await;
        assert_eq!(next(&mut listener).await.unwrap(), "talker joined");
        // Far more than the deaf client's buffers hold, a line at a time, so
        // that the listener never falls behind.
        let said = "y".repeat(1000);
        let talk = async {
            for _ in 0..4096 {
                talker.send(said.as_str()).await.unwrap();
                assert_eq!(
                    next(&mut listener).await.unwrap(),
                    format!("talker: {said}")
                );
            }
        };
        timeout(Duration::from_secs(20), talk)
            .await
            .expect("the room stalled behind a client that stopped reading");
        drop((deaf, listener, talker));
        shutdown.cancel();
        server.await.unwrap().unwrap();
    }

    /// A client that has read none of the lines sent to it sends one too
    /// long, and more after it. With its receive buffer small, the lines it
    /// has not read, and the refusal, wait in the server's send buffer,
    /// which a reset would throw away: it reads them once the server has
    /// stopped, so that a reset would have come first. (How many of the
    /// other's lines its connection passed on before it read the one too
    /// long, `select!` decides: when they all fit in its buffer, a reset
    /// shows only as the socket's error.)
    #[tokio::test]
    async fn a_refused_client_gets_every_line_and_the_refusal() {
        let test = async {
            let (address, shutdown, server) = start().await;
            let small = TcpSocket::new_v4().unwrap();
            small.set_recv_buffer_size(4096).unwrap();
            let mut dave = join(address, "dave", small).await;
            let mut erin = join(address, "erin", TcpSocket::new_v4().unwrap()).await;
            let said = "y".repeat(500);
            for _ in 0..40 {
                erin.send(said.as_str()).await.unwrap();
            }
            let mut input = vec![b'x'; MAX_LINE + 1];
            input.extend(b"\n".iter().chain(&b"more\n".repeat(4096)));
            dave.get_mut().write_all(&input).await.unwrap();
            // Said once the refusal is sent.
            assert_eq!(next(&mut erin).await.unwrap(), "dave left");
            shutdown.cancel();
            server.await.unwrap().unwrap();

            let mut heard = Vec::new();
            while let Some(line) = next(&mut dave).await {
                heard.push(line);
            }
            // Closed, and not reset: a reset throws away what has not
            // reached the client yet, and shows in the socket's error
            // even when nothing was.
            let reset = dave.get_ref().take_error().unwrap();
            assert!(reset.is_none(), "the connection was reset: {reset:?}");
            let refusal = format!("lines are at most {MAX_LINE} bytes; bye");
            let (first, rest) = heard.split_first().unwrap();
            let (last, passed_on) = rest.split_last().unwrap();
            assert_eq!((first.as_str(), last), ("erin joined", &refusal));
            let erins = format!("erin: {said}");
            assert!(passed_on.iter().all(|line| *line == erins), "{heard:?}");
        };
        timeout(Duration::from_secs(30), test)
            .await
            .expect("the server stopped answering");
    }

    /// A client that reads nothing while another talks: once the lines for
    /// it fill the buffers, its task waits for room to send, and a shutdown
    /// still ends within 2 s, what the hostile-input suite allows the whole
    /// process.
    #[tokio::test(start_paused = true)]
    async fn a_client_that_stops_reading_does_not_hold_the_shutdown() {
        let (address, shutdown, server) = start().await;
        let small = TcpSocket::new_v4().unwrap();
        small.set_recv_buffer_size(4096).unwrap();
        let deaf = join(address, "deaf", small).await;
        let mut talker = join(address, "talker", TcpSocket::new_v4().unwrap()).await;
        // Lines that `tcp_wmem`'s largest send buffer (4 MiB by default)
        // can't hold, though the deaf client's task, falling behind, skips
        // many of them.
        let lines = format!("{}\n", "y".repeat(1000)).repeat(1024);
        for _ in 0..32 {
            talker.get_mut().write_all(lines.as_bytes()).await.unwrap();
        }
        sleep(Duration::from_millis(100)).await;

        shutdown.cancel();
        let stopped = timeout(Duration::from_secs(2), server).await;
        stopped
            .expect("serve still waits 2 s after the shutdown")
            .unwrap()
            .unwrap();
        drop((deaf, talker));
    }
}
