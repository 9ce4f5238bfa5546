//! A chat server: every line a client sends goes to all the others, with a
//! message when someone joins or leaves; each connection's task runs a
//! `select!` loop over its socket and a `broadcast` receiver, and the server
//! shuts down gracefully on a `CancellationToken`.
//!
//! The classic `asyncio.start_server` demo, which the guides don't include,
//! writes each line to every client itself, so one slow client stalls the
//! sender. Here a line goes into a `broadcast` channel and each connection
//! writes it at its own client's pace; a client more than `BACKLOG` behind is
//! told how many it missed. A client has `NAME_TIMEOUT` to give its name,
//! `SEND_TIMEOUT` per write and, once the server shuts down, `GOODBYE_TIMEOUT`
//! for the goodbye; a named, silent client may stay. The rules it keeps are on
//! the book's page "Sockets, streams and processes". It also runs on its own:
//! `cargo run -p io --bin io-serve -- chat --port 7000`.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::io::AsyncReadExt;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::time::timeout;
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
/// How much of a client's remaining input is read, and for how long, before
/// its connection is closed.
const DRAIN_LIMIT: u64 = 64 * 1024;
const DRAIN_TIME: Duration = Duration::from_secs(1);
/// How long to wait before accepting again after an accept failed.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// A message on the channel, with the connection it came from, so that a
/// client's task doesn't echo the client's own lines back.
#[derive(Clone, Debug)]
struct Message {
    from: u64,
    text: String,
}

/// Accepts clients until `shutdown` is cancelled, then waits until every
/// connection has said goodbye.
pub async fn serve(listener: TcpListener, shutdown: CancellationToken) -> io::Result<()> {
    let (messages, _) = broadcast::channel(BACKLOG);
    let connections = TaskTracker::new();
    let mut next_id = 0;
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = shutdown.cancelled() => break,
        };
        match accepted {
            Ok((socket, _)) => {
                next_id += 1;
                let connection = Connection {
                    id: next_id,
                    messages: messages.clone(),
                    shutdown: shutdown.clone(),
                };
                connections.spawn(async move {
                    if let Err(error) = connection.serve(socket).await {
                        eprintln!("chat: connection {} failed: {error}", connection.id);
                    }
                });
            }
            // Not a reason to stop serving the others. Out of file
            // descriptors, the next accept fails at once too, so pause
            // rather than spin.
            Err(error) => {
                eprintln!("chat: accept failed: {error}");
                tokio::time::sleep(ACCEPT_PAUSE).await;
            }
        }
    }
    // Closed first, so that a client who comes while the open connections
    // finish is refused at once, not let in by the system and then reset.
    drop(listener);
    connections.close();
    connections.wait().await;
    Ok(())
}

struct Connection {
    id: u64,
    messages: broadcast::Sender<Message>,
    shutdown: CancellationToken,
}

/// How a conversation ended, when the shutdown did not end it.
enum Ended {
    /// The client went, or never gave a name: nothing is left to tell it.
    Gone,
    /// The last line is sent: close, and drain what the client still sends.
    HangUp,
}

impl Connection {
    async fn serve(&self, socket: TcpStream) -> Result<(), LinesCodecError> {
        let (reader, writer) = socket.into_split();
        let mut lines = FramedRead::new(reader, LinesCodec::new_with_max_length(MAX_LINE));
        let mut client = FramedWrite::new(writer, LinesCodec::new());
        // Every read and every write races the shutdown, so a client that
        // stops reading holds its task for the goodbye's time, not a
        // write's. No line is cut in half: one half sent stays in the
        // codec's buffer, ahead of the goodbye.
        let conversation = self.converse(&mut lines, &mut client);
        match self.shutdown.run_until_cancelled(conversation).await {
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
        // Subscribed before anything is sent, so nothing sent after this
        // client arrived can pass it by.
        let mut inbox = self.messages.subscribe();
        send(client, "your name?", SEND_TIMEOUT).await?;
        let name = match timeout(NAME_TIMEOUT, lines.next()).await {
            Ok(Some(Ok(name))) if !name.trim().is_empty() => name.trim().to_owned(),
            Err(_elapsed) => {
                let bye = format!("no name within {NAME_TIMEOUT:?}; bye");
                send(client, bye, SEND_TIMEOUT).await?;
                return Ok(Ended::HangUp);
            }
            // Gone, empty or unreadable before saying who it is.
            Ok(_) => return Ok(Ended::Gone),
        };
        let others = self.messages.receiver_count() - 1;
        let welcome = format!("welcome, {name}; {others} already connected");
        send(client, welcome, SEND_TIMEOUT).await?;
        self.broadcast(format!("{name} joined"));

        let ended = loop {
            tokio::select! {
                line = lines.next() => match line {
                    Some(Ok(line)) => self.broadcast(format!("{name}: {line}")),
                    Some(Err(LinesCodecError::MaxLineLengthExceeded)) => {
                        let refusal = format!("lines are at most {MAX_LINE} bytes; bye");
                        break send(client, refusal, SEND_TIMEOUT).await;
                    }
                    // Disconnected, cleanly or not, or sent bytes that are
                    // not UTF-8: either way this client is done.
                    Some(Err(_)) | None => break Ok(()),
                },
                message = inbox.recv() => {
                    let sent = match message {
                        Ok(message) if message.from == self.id => continue,
                        Ok(message) => send(client, message.text, SEND_TIMEOUT).await,
                        Err(RecvError::Lagged(missed)) => {
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
        self.broadcast(format!("{name} left"));
        ended.map(|()| Ended::HangUp)
    }

    fn broadcast(&self, text: String) {
        // `send` fails only when no receiver is left, and this connection's
        // own receiver is one until it returns.
        let _ = self.messages.send(Message {
            from: self.id,
            text,
        });
    }
}

/// Sends one line, or fails if the client has not made room for it within
/// `limit`.
async fn send(
    client: &mut FramedWrite<OwnedWriteHalf, LinesCodec>,
    line: impl AsRef<str>,
    limit: Duration,
) -> Result<(), LinesCodecError> {
    match timeout(limit, client.send(line)).await {
        Ok(sent) => sent,
        Err(_elapsed) => {
            Err(io::Error::new(io::ErrorKind::TimedOut, "the client stopped reading").into())
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

/// A scripted client that prints every line it hears.
struct Client {
    name: &'static str,
    lines: Framed<TcpStream, LinesCodec>,
}

impl Client {
    async fn join(address: SocketAddr, name: &'static str) -> Result<Self, LinesCodecError> {
        let mut client = Client {
            name,
            lines: Framed::new(TcpStream::connect(address).await?, LinesCodec::new()),
        };
        client.hear().await?; // "your name?"
        client.lines.send(name).await?;
        client.hear().await?; // the welcome
        Ok(client)
    }

    async fn say(&mut self, text: &str) -> Result<(), LinesCodecError> {
        println!("[{}] says {text:?}", self.name);
        self.lines.send(text).await
    }

    async fn hear(&mut self) -> Result<(), LinesCodecError> {
        match self.lines.next().await.transpose()? {
            Some(line) => println!("[{}] hears {line:?}", self.name),
            None => println!("[{}] is disconnected", self.name),
        }
        Ok(())
    }
}

pub async fn run() -> Result<(), LinesCodecError> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(serve(listener, shutdown.clone()));
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
        let server = tokio::spawn(serve(listener, shutdown.clone()));
        (address, shutdown, server)
    }

    async fn next(client: &mut Framed<TcpStream, LinesCodec>) -> Option<String> {
        client.next().await.transpose().unwrap()
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

    /// A client that has read none of the lines sent to it, sends one too
    /// long and more after it. With its receive buffer small, the lines it
    /// has not read, and the refusal, wait in the server's send buffer,
    /// which a reset would throw away.
    #[tokio::test]
    async fn a_refused_client_gets_every_line_and_the_refusal() {
        let (address, shutdown, server) = start().await;
        let small = TcpSocket::new_v4().unwrap();
        small.set_recv_buffer_size(4096).unwrap();
        let mut dave = join(address, "dave", small).await;
        let mut erin = join(address, "erin", TcpSocket::new_v4().unwrap()).await;
        let said = "y".repeat(500);
        for _ in 0..40 {
            erin.send(said.as_str()).await.unwrap();
        }
        sleep(Duration::from_millis(200)).await;
        let mut input = vec![b'x'; MAX_LINE + 1];
        input.extend(b"\n".iter().chain(&b"more\n".repeat(4096)));
        dave.get_mut().write_all(&input).await.unwrap();
        sleep(Duration::from_millis(200)).await;

        let mut heard = Vec::new();
        while let Some(line) = next(&mut dave).await {
            heard.push(line);
        }
        assert_eq!(heard.len(), 42, "erin joined, 40 lines, the refusal");
        assert_eq!(
            heard[41],
            format!("lines are at most {MAX_LINE} bytes; bye")
        );
        drop((dave, erin));
        shutdown.cancel();
        server.await.unwrap().unwrap();
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
