use std::collections::HashMap;
use std::io;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::io::DuplexStream;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio::time::sleep;
use tokio_util::codec::{Framed, LinesCodec, LinesCodecError};

/// The longest command line the server reads.
const MAX_LINE: usize = 64;
/// Connections served at once; the next one waits for a free slot.
const MAX_CONNECTIONS: usize = 2;

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

/// Serves one connection until the client hangs up or sends a line that
/// is too long.
async fn serve(stream: DuplexStream, store: Store) -> io::Result<()> {
    let mut lines = Framed::new(stream, LinesCodec::new_with_max_length(MAX_LINE));
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

/// Accepts connections until the listener closes, serving up to
/// `MAX_CONNECTIONS` at once, each in a task of its own.
async fn server(mut listener: mpsc::Receiver<DuplexStream>) {
    let store = Store::default();
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut connections = JoinSet::new();
    let mut served = 0;
    loop {
        // A slot first: a connection waits in the listener, not in memory.
        let slot = Arc::clone(&slots)
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        let Some(stream) = listener.recv().await else {
            break;
        };
        served += 1;
        let store = Arc::clone(&store);
        connections.spawn(async move {
            let _slot = slot;
            serve(stream, store).await
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

/// Sends each command `pause` after the last reply, and prints the replies.
async fn client(
    name: &str,
    stream: DuplexStream,
    pause: Duration,
    commands: &[&str],
) -> io::Result<()> {
    let mut lines = Framed::new(stream, LinesCodec::new());
    for command in commands {
        sleep(pause).await;
        lines.send(command).await.map_err(into_io)?;
        let reply = match lines.next().await {
            Some(reply) => reply.map_err(into_io)?,
            None => "(connection closed)".to_owned(),
        };
        println!("{name}: {command} -> {reply}");
    }
    Ok(())
}

pub async fn run() {
    let (connect, listener) = mpsc::channel(4);
    let server = tokio::spawn(server(listener));
    let mut clients = JoinSet::new();
    let sessions: [(&'static str, u64, &'static [&'static str]); 3] = [
        ("alice", 100, &["SET color red", "GET color"]),
        ("bob", 150, &["GET color", "SET color blue", "GET color"]),
        ("carol", 120, &["GET color", "SET size L", "GET color"]),
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
    // The server stops accepting once every sender is gone.
    drop(connect);
    for outcome in clients.join_all().await {
        if let Err(error) = outcome {
            println!("client: {error}");
        }
    }
    if let Err(error) = server.await {
        println!("server: {error}");
    }
}
