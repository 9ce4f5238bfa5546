//! Exercise: kv_client (the capstone, part 4 of 6)
//!
//! The server of `kv_shutdown` (given here, done) has learned one more
//! command, `SLOW`, which stalls for a second before it answers, like a
//! server in trouble. Now the client: it must not wait for ever. Give each
//! request 300 ms, sending included; when no reply comes in time, say so
//! and go on with the next command. The reply that was late still comes,
//! later, and would be taken for the reply to the next request: after a
//! timeout, the client drops the connection and opens a new one.
//!
//! ```text
//! 0.0s client: SET color red -> OK
//! 0.3s client: SLOW -> no reply in time, reconnected
//! 0.3s client: GET color -> VALUE red
//! 0.3s client: SET color blue -> OK
//! 0.3s client: GET color -> VALUE blue
//! 0.3s shutting down
//! 1.0s server: the client left before its reply
//! 1.0s server: stopped after 2 connections
//! ```
//!
//! (The server is still busy with `SLOW` on the first connection when the
//! client leaves it; it finds out when it answers, at 1.0s.)
//!
//! The examples that show how: `cargo run -p real-world -- fetch_with_timeout`,
//! and `cargo run -p error-handling -- timeouts`.

use std::collections::HashMap;
use std::io;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::io::DuplexStream;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio::time::{sleep, timeout};
use tokio_util::codec::{Framed, LinesCodec, LinesCodecError};
use tokio_util::sync::CancellationToken;

/// The longest command line the server reads.
const MAX_LINE: usize = 64;
/// Connections served at once; the next one waits for a free slot.
const MAX_CONNECTIONS: usize = 2;
/// How long a connection may stay silent before the server hangs up.
const IDLE_LIMIT: Duration = Duration::from_millis(500);

/// The store every connection shares. A std `Mutex`: it is never held
/// across an `.await`, so it never blocks a thread for long.
type Store = Arc<Mutex<HashMap<String, String>>>;

/// Runs one command on the store and returns the reply.
fn execute(line: &str, store: &mut HashMap<String, String>) -> String {
    let mut words = line.split_whitespace();
    match (words.next(), words.next(), words.next(), words.next()) {
        (Some("GET"), Some(key), None, None) => match store.get(key) {
            Some(value) => format!("VALUE {value}"),
            None => "NIL".to_owned(),
        },
        (Some("SET"), Some(key), Some(value), None) => {
            store.insert(key.to_owned(), value.to_owned());
            "OK".to_owned()
        }
        _ => format!("ERR unknown command: {line}"),
    }
}

/// Serves one connection until the client hangs up, stays silent for
/// `IDLE_LIMIT`, sends a line that is too long, or the server shuts down.
/// A command it has read is always answered: shutdown is only awaited
/// between commands.
async fn serve(stream: DuplexStream, store: Store, shutdown: CancellationToken) -> io::Result<()> {
    let mut lines = Framed::new(stream, LinesCodec::new_with_max_length(MAX_LINE));
    loop {
        // `next` is cancel safe: a line half read stays in the `Framed`.
        let line = tokio::select! {
            () = shutdown.cancelled() => break,
            line = timeout(IDLE_LIMIT, lines.next()) => match line {
                Err(_) => {
                    println!("server: hung up on an idle client");
                    break;
                }
                Ok(None) => break,
                Ok(Some(line)) => line,
            },
        };
        let reply = match line {
            // A stalled server, for the client to time out on.
            Ok(line) if line == "SLOW" => {
                sleep(Duration::from_secs(1)).await;
                "OK".to_owned()
            }
            // The guard is a temporary: the lock is let go at the `;`.
            Ok(line) => execute(
                &line,
                &mut store.lock().unwrap_or_else(PoisonError::into_inner),
            ),
            Err(LinesCodecError::MaxLineLengthExceeded) => {
                lines.send("ERR line too long").await.map_err(into_io)?;
                break;
            }
            Err(LinesCodecError::Io(error)) => return Err(error),
        };
        if let Err(error) = lines.send(reply).await {
            return match error {
                LinesCodecError::Io(error) if error.kind() == io::ErrorKind::BrokenPipe => {
                    println!("server: the client left before its reply");
                    Ok(())
                }
                error => Err(into_io(error)),
            };
        }
    }
    Ok(())
}

/// Accepts connections until `shutdown` is cancelled (or the listener
/// closes), serving up to `MAX_CONNECTIONS` at once, each in a task of its
/// own; then waits for the connections to end.
async fn server(mut listener: mpsc::Receiver<DuplexStream>, shutdown: CancellationToken) {
    let store = Store::default();
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut connections = JoinSet::new();
    let mut served = 0;
    loop {
        let slot = tokio::select! {
            () = shutdown.cancelled() => break,
            slot = Arc::clone(&slots).acquire_owned() => {
                slot.expect("the semaphore is never closed")
            }
        };
        let stream = tokio::select! {
            () = shutdown.cancelled() => break,
            stream = listener.recv() => match stream {
                Some(stream) => stream,
                None => break,
            },
        };
        served += 1;
        let store = Arc::clone(&store);
        let shutdown = shutdown.clone();
        connections.spawn(async move {
            let _slot = slot;
            serve(stream, store, shutdown).await
        });
    }
    // Each connection sees the same token and ends after its current
    // command, so this waits for no more than one command each.
    while let Some(joined) = connections.join_next().await {
        match joined {
            Ok(Ok(())) => {}
            Ok(Err(error)) => println!("server: {error}"),
            Err(error) => println!("server: {error}"),
        }
    }
    println!("server: stopped after {served} connections");
}

fn into_io(error: LinesCodecError) -> io::Error {
    match error {
        LinesCodecError::Io(error) => error,
        other => io::Error::other(other),
    }
}

/// How long the client waits for a reply.
const REPLY_LIMIT: Duration = Duration::from_millis(300);

/// A connection to the server that gives each request `REPLY_LIMIT`.
struct Client {
    connect: mpsc::Sender<DuplexStream>,
    lines: Framed<DuplexStream, LinesCodec>,
}

impl Client {
    async fn open(connect: mpsc::Sender<DuplexStream>) -> io::Result<Client> {
        let lines = Self::connection(&connect).await?;
        Ok(Client { connect, lines })
    }

    async fn connection(
        connect: &mpsc::Sender<DuplexStream>,
    ) -> io::Result<Framed<DuplexStream, LinesCodec>> {
        let (near, far) = tokio::io::duplex(1024);
        connect
            .send(far)
            .await
            .map_err(|_| io::Error::other("the server is gone"))?;
        Ok(Framed::new(near, LinesCodec::new()))
    }

    /// The reply to `command`, or `Ok(None)` if none came in time.
    async fn request(&mut self, command: &str) -> io::Result<Option<String>> {
        // TODO: give the exchange `REPLY_LIMIT`, and think about the reply
        // that comes after it.
        self.lines.send(command).await.map_err(into_io)?;
        match self.lines.next().await {
            Some(reply) => reply.map(Some).map_err(into_io),
            None => Err(io::Error::other("the server hung up")),
        }
    }
}

async fn talk(connect: mpsc::Sender<DuplexStream>) -> io::Result<()> {
    let mut client = Client::open(connect).await?;
    for command in [
        "SET color red",
        "SLOW",
        "GET color",
        "SET color blue",
        "GET color",
    ] {
        match client.request(command).await? {
            Some(reply) => println!("client: {command} -> {reply}"),
            None => println!("client: {command} -> no reply in time, reconnected"),
        }
    }
    Ok(())
}

pub async fn run() {
    let (connect, listener) = mpsc::channel(4);
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(server(listener, shutdown.clone()));
    if let Err(error) = talk(connect.clone()).await {
        println!("client: {error}");
    }
    println!("shutting down");
    shutdown.cancel();
    if let Err(error) = server.await {
        println!("server: {error}");
    }
    drop(connect);
}
