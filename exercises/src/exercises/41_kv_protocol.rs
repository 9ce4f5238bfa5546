//! Exercise: kv_protocol (the capstone, part 1 of 6)
//!
//! The last six exercises build a small key-value server, like a tiny
//! Redis. Clients send one command per line and get one reply per line:
//! `SET key value` answers `OK`, `GET key` answers `VALUE value` or `NIL`,
//! anything else `ERR unknown command: <the line>`. A line longer than 64
//! bytes is answered `ERR line too long`, and the server hangs up: a
//! client must not be able to make it buffer without limit. The client and
//! the server talk over `tokio::io::duplex`, an in-memory pipe that
//! behaves like a socket.
//!
//! Write `execute` and `serve` (one connection, with its own store, for
//! now). When the client hangs up, `serve` prints "server: connection
//! closed" and returns.
//!
//! ```text
//! 0.1s client: SET color red -> OK
//! 0.2s client: GET color -> VALUE red
//! 0.3s client: GET size -> NIL
//! 0.4s client: DEL color -> ERR unknown command: DEL color
//! 0.5s server: connection closed
//! 0.5s client: SET essay xxxxxx... -> ERR line too long
//! ```
//!
//! The example that shows how: `cargo run -p io -- line_codec`.

use std::collections::HashMap;
use std::io;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::io::DuplexStream;
use tokio::time::sleep;
use tokio_util::codec::{Framed, LinesCodec, LinesCodecError};

/// The longest command line the server reads.
const MAX_LINE: usize = 64;

/// Runs one command on the store and returns the reply.
fn execute(line: &str, store: &mut HashMap<String, String>) -> String {
    todo!("GET, SET, and an error for anything else")
}

/// Serves one connection until the client hangs up or sends a line that
/// is too long.
async fn serve(stream: DuplexStream) -> io::Result<()> {
    todo!("read lines with `Framed` and a `LinesCodec` that has a limit, and answer each")
}

fn into_io(error: LinesCodecError) -> io::Error {
    match error {
        LinesCodecError::Io(error) => error,
        other => io::Error::other(other),
    }
}

/// Sends each command 100 ms after the last reply, and prints the replies.
async fn client(stream: DuplexStream, commands: &[&str]) -> io::Result<()> {
    let mut lines = Framed::new(stream, LinesCodec::new());
    for command in commands {
        sleep(Duration::from_millis(100)).await;
        lines.send(command).await.map_err(into_io)?;
        let reply = match lines.next().await {
            Some(reply) => reply.map_err(into_io)?,
            None => "(connection closed)".to_owned(),
        };
        println!("client: {} -> {reply}", shorten(command));
    }
    Ok(())
}

/// A long command, shown by its start.
fn shorten(command: &str) -> String {
    if command.chars().count() <= 20 {
        return command.to_owned();
    }
    let start: String = command.chars().take(16).collect();
    format!("{start}...")
}

pub async fn run() {
    let (near, far) = tokio::io::duplex(1024);
    let server = tokio::spawn(serve(far));
    let long = format!("SET essay {}", "x".repeat(100));
    let commands = ["SET color red", "GET color", "GET size", "DEL color", &long];
    if let Err(error) = client(near, &commands).await {
        println!("client: {error}");
    }
    match server.await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => println!("server: {error}"),
        Err(error) => println!("server: {error}"),
    }
}
