//! A chat server: every line a client sends goes to all the others, with a
//! message when someone joins or leaves; each connection's task runs a
//! `select!` loop over its socket and a `broadcast` receiver, and the server
//! shuts down gracefully on a `CancellationToken`.
//!
//! It is the classic demo of asyncio's streams, `asyncio.start_server` with
//! a set of writers that every handler loops over, which the guides don't
//! include.
//!
//! The asyncio version keeps the writers of all clients in a set, and a
//! handler writes each line to every writer itself, so one slow client
//! stalls the sender, or `drain()` is skipped and its buffer grows without
//! bound. Here every connection's task owns its own socket and its own
//! receiver of one `broadcast` channel: a sender only puts the line in the
//! channel, and each task writes it to its client at that client's pace.
//! The channel's capacity bounds the memory. A receiver that falls more than
//! that many messages behind loses the oldest ones: its next `recv()` is
//! `Err(RecvError::Lagged(n))`, and the task tells its client how many it
//! missed instead of slowing everyone down. This run never lags: each
//! scripted client hears every message before the next is sent, so a
//! receiver is never more than a couple of messages behind. A slow client on
//! a real network could fall more than 64 behind.
//!
//! The loop waits on three things with `select!`: a line from the client
//! (`FramedRead::next`, cancel safe, so a line half read when another branch
//! wins is still there the next time round), a message for the client
//! (`broadcast::Receiver::recv`, cancel safe) and the shutdown token. A
//! client that disconnects, cleanly or not, ends its stream, and its task
//! says so to the others. Shutdown stops the accept loop, and every
//! connection's task says goodbye to its client and ends, one still waiting
//! for a name too; the `TaskTracker` waits for them all. Every write has a
//! time limit: a client that stops reading is dropped once a line has
//! waited `SEND_TIMEOUT` for room, rather than holding up everyone's
//! shutdown.
//!
//! `run` drives three scripted clients and prints what each one hears; each
//! waits for the message it expects before the script goes on, so the
//! transcript is the same on every run. It holds a drop guard of the
//! server's token, because dropping a `JoinHandle` only detaches its task:
//! without the guard, a caller that gave up on `run` would leave the server
//! accepting for ever. The server also runs on its own, on a port of your
//! choice, until Ctrl-C: `cargo run -p io --bin io-serve -- chat --port
//! 7000`, then `nc 127.0.0.1 7000` in two or three terminals
//! (the first line you type is your name).

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::net::tcp::OwnedWriteHalf;
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
            line = lines.next() => match line {
                Some(Ok(name)) if !name.trim().is_empty() => name.trim().to_owned(),
                // Gone, empty or unreadable before saying who it is.
                _ => return Ok(()),
            },
            () = self.shutdown.cancelled() => return say_goodbye(&mut client).await,
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
                () = self.shutdown.cancelled() => return say_goodbye(&mut client).await,
            }
        };
        // However this client went (it hung up, broke the rules or stopped
        // reading), the others hear that it left.
        self.broadcast(format!("{name} left"));
        ended?;
        SinkExt::<String>::close(&mut client).await
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

/// Tells the client the server is going away, and ends the stream.
async fn say_goodbye(
    client: &mut FramedWrite<OwnedWriteHalf, LinesCodec>,
) -> Result<(), LinesCodecError> {
    send(client, "server shutting down").await?;
    SinkExt::<String>::close(client).await
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
    server.await.map_err(io::Error::from)??;
    println!("server stopped");
    Ok(())
}
