//! A chat server: every line a client sends goes to all the others, with a
//! message when someone joins or leaves; each connection's task runs a
//! `select!` loop over its socket and a `broadcast` receiver, and the server
//! shuts down gracefully on a `CancellationToken`.
//!
//! The classic `asyncio.start_server` demo, which the guides don't include,
//! writes each line to every client itself, so one slow client stalls the
//! sender. Here a line goes into a `broadcast` channel and each connection
//! writes it at its own client's pace; a client more than `BACKLOG` behind is
//! told how many it missed. A client has `NAME_TIMEOUT` to give its name and
//! `SEND_TIMEOUT` per write; a named, silent client may stay. The rules it
//! keeps are on the book's page "Sockets, streams and processes". It also
//! runs on its own: `cargo run -p io --bin io-serve -- chat --port 7000`.

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
    connections.close();
    connections.wait().await;
    Ok(())
}

struct Connection {
    id: u64,
    messages: broadcast::Sender<Message>,
    shutdown: CancellationToken,
}

impl Connection {
    async fn serve(&self, socket: TcpStream) -> Result<(), LinesCodecError> {
        // Subscribed before anything is sent, so nothing sent after this
        // client arrived can pass it by.
        let mut inbox = self.messages.subscribe();
        let (reader, writer) = socket.into_split();
        let mut lines = FramedRead::new(reader, LinesCodec::new_with_max_length(MAX_LINE));
        let mut client = FramedWrite::new(writer, LinesCodec::new());

        send(&mut client, "your name?").await?;
        let name = tokio::select! {
            line = timeout(NAME_TIMEOUT, lines.next()) => match line {
                Ok(Some(Ok(name))) if !name.trim().is_empty() => name.trim().to_owned(),
                Err(_elapsed) => {
                    send(&mut client, format!("no name within {NAME_TIMEOUT:?}; bye")).await?;
                    return hang_up(client, lines).await;
                }
                // Gone, empty or unreadable before saying who it is.
                Ok(_) => return Ok(()),
            },
            () = self.shutdown.cancelled() => return say_goodbye(client, lines).await,
        };
        let others = self.messages.receiver_count() - 1;
        send(
            &mut client,
            format!("welcome, {name}; {others} already connected"),
        )
        .await?;
        self.broadcast(format!("{name} joined"));

        let ended = loop {
            tokio::select! {
                line = lines.next() => match line {
                    Some(Ok(line)) => self.broadcast(format!("{name}: {line}")),
                    Some(Err(LinesCodecError::MaxLineLengthExceeded)) => {
                        let refusal = format!("lines are at most {MAX_LINE} bytes; bye");
                        break send(&mut client, refusal).await;
                    }
                    // Disconnected, cleanly or not, or sent bytes that are
                    // not UTF-8: either way this client is done.
                    Some(Err(_)) | None => break Ok(()),
                },
                message = inbox.recv() => {
                    let sent = match message {
                        Ok(message) if message.from == self.id => continue,
                        Ok(message) => send(&mut client, message.text).await,
                        Err(RecvError::Lagged(missed)) => {
                            let notice = format!("(you missed {missed} messages)");
                            send(&mut client, notice).await
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
                // Everyone is told the same; no "left" for each of them.
                () = self.shutdown.cancelled() => return say_goodbye(client, lines).await,
            }
        };
        // However this client went (it hung up, broke the rules or stopped
        // reading), the others hear that it left.
        self.broadcast(format!("{name} left"));
        ended?;
        hang_up(client, lines).await
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
/// `SEND_TIMEOUT`.
async fn send(
    client: &mut FramedWrite<OwnedWriteHalf, LinesCodec>,
    line: impl AsRef<str>,
) -> Result<(), LinesCodecError> {
    match timeout(SEND_TIMEOUT, client.send(line)).await {
        Ok(sent) => sent,
        Err(_elapsed) => {
            Err(io::Error::new(io::ErrorKind::TimedOut, "the client stopped reading").into())
        }
    }
}

/// Tells the client the server is going away, and hangs up.
async fn say_goodbye(
    mut client: FramedWrite<OwnedWriteHalf, LinesCodec>,
    lines: FramedRead<OwnedReadHalf, LinesCodec>,
) -> Result<(), LinesCodecError> {
    send(&mut client, "server shutting down").await?;
    hang_up(client, lines).await
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
}
