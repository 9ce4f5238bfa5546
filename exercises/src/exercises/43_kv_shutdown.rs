//! Exercise: kv_shutdown (the capstone, part 3 of 6)
//!
//! The server of `kv_server` (given here, done) must now stop when it is
//! told to, and not trust its clients to leave:
//!
//! - **Graceful shutdown.** When `run` cancels the `shutdown` token, the
//!   server stops accepting, each connection answers the command it has
//!   read (none is cut in half) and hangs up, and the server waits for
//!   them all. The listener does not close: more clients could still come.
//! - **An idle timeout.** A client that sends nothing for half a second is
//!   hung up on; it holds a slot that another client could use.
//!
//! As shipped, the server runs until the checker stops it.
//!
//! ```text
//! 0.1s alice: SET color red -> OK
//! 0.2s alice: GET color -> VALUE red
//! 0.3s carol: GET color -> VALUE red
//! 0.5s server: hung up on an idle client
//! 0.6s carol: SET size L -> OK
//! 0.7s bob: GET color -> (connection closed)
//! 0.9s carol: GET size -> VALUE L
//! 1.0s shutting down
//! 1.0s server: stopped after 3 connections
//! 1.2s carol: GET color -> (connection closed)
//! ```
//!
//! (bob is connected at 0.0s and silent until 0.7s: the server hangs up at
//! 0.5s. carol's last command comes after the shutdown.)
//!
//! The examples that show how: `cargo run -p real-world -- background_services`
//! for the shutdown, `cargo run -p concurrency -- select_loop` and
//! `cargo run -p io -- line_codec` for the idle timeout.

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
    // TODO: hang up on a client silent for `IDLE_LIMIT` (print "server: hung
    // up on an idle client"), and after the current command at shutdown.
    while let Some(line) = lines.next().await {
        let reply = match line {
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
        lines.send(reply).await.map_err(into_io)?;
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
        // TODO: stop waiting, here and for the next connection, at shutdown.
        let slot = Arc::clone(&slots)
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        let Some(stream) = listener.recv().await else {
            break;
        };
        served += 1;
        let store = Arc::clone(&store);
        let shutdown = shutdown.clone();
        connections.spawn(async move {
            let _slot = slot;
            serve(stream, store, shutdown).await
        });
    }
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

/// Sends each command `pause` after the last reply, and prints the replies,
/// until the server hangs up.
async fn client(
    name: &str,
    stream: DuplexStream,
    pause: Duration,
    commands: &[&str],
) -> io::Result<()> {
    let mut lines = Framed::new(stream, LinesCodec::new());
    for command in commands {
        sleep(pause).await;
        // Writing to a pipe whose other end is gone fails: the server hung up.
        let reply = match lines.send(command).await {
            Ok(()) => lines.next().await.transpose().map_err(into_io)?,
            Err(LinesCodecError::Io(error)) if error.kind() == io::ErrorKind::BrokenPipe => None,
            Err(error) => return Err(into_io(error)),
        };
        let Some(reply) = reply else {
            println!("{name}: {command} -> (connection closed)");
            break;
        };
        println!("{name}: {command} -> {reply}");
    }
    Ok(())
}

pub async fn run() {
    let (connect, listener) = mpsc::channel(4);
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(server(listener, shutdown.clone()));
    let mut clients = JoinSet::new();
    let sessions: [(&'static str, u64, &'static [&'static str]); 3] = [
        ("alice", 100, &["SET color red", "GET color"]),
        ("bob", 700, &["GET color"]),
        (
            "carol",
            300,
            &["GET color", "SET size L", "GET size", "GET color"],
        ),
    ];
    for (name, pause_ms, commands) in sessions {
        let (near, far) = tokio::io::duplex(1024);
        if connect.send(far).await.is_err() {
            println!("{name}: the server is gone");
            break;
        }
        clients.spawn(client(
            name,
            near,
            Duration::from_millis(pause_ms),
            commands,
        ));
    }
    // `connect` stays open: more clients could come. The server stops when
    // it is told to, not when its listener closes.
    sleep(Duration::from_secs(1)).await;
    println!("shutting down");
    shutdown.cancel();
    if let Err(error) = server.await {
        println!("server: {error}");
    }
    for outcome in clients.join_all().await {
        if let Err(error) = outcome {
            println!("client: {error}");
        }
    }
    drop(connect);
}
