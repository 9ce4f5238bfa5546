use std::collections::HashMap;
use std::io;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::io::DuplexStream;
use tokio::time::sleep;
use tokio_util::codec::{Framed, LinesCodec, LinesCodecError};

/// The longest command line the server reads: a client can't make it
/// buffer more than this.
const MAX_LINE: usize = 64;

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
async fn serve(stream: DuplexStream) -> io::Result<()> {
    let mut store = HashMap::new();
    let mut lines = Framed::new(stream, LinesCodec::new_with_max_length(MAX_LINE));
    while let Some(line) = lines.next().await {
        let reply = match line {
            Ok(line) => execute(&line, &mut store),
            // A codec error ends the stream of lines: answer, then hang up.
            Err(LinesCodecError::MaxLineLengthExceeded) => {
                lines.send("ERR line too long").await.map_err(into_io)?;
                break;
            }
            Err(LinesCodecError::Io(error)) => return Err(error),
        };
        lines.send(reply).await.map_err(into_io)?;
    }
    println!("server: connection closed");
    Ok(())
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
