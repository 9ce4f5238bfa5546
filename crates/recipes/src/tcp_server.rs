//! A line-based TCP server that no client can hold up: each line must
//! arrive whole within a time limit, each reply must be taken within
//! another, lines have a maximum length, and a shutdown closes every
//! connection and waits until they are gone.
//!
//! In asyncio: `start_server(handler, limit=...)` with `asyncio.timeout`
//! around `readuntil` and around `write` and `drain`, and a set of handler
//! tasks to wait for at shutdown (3.11's `wait_closed()` doesn't). Here
//! `serve` runs each connection on a `TaskTracker` and waits for them;
//! accept errors are logged and paused on, not fatal. See the book's page
//! "Sockets, streams and processes".
//!
//! What not to undo when you copy it:
//! - One deadline for the whole line, not per read: a byte now and then
//!   can't keep a connection.
//! - The limit on every read (`take`): `read_until` alone has none.
//! - The time limit on writes, the last words included.
//! - The drain before closing: closing with input unread resets the
//!   connection, which can destroy the last reply.
//! - `biased;` with the shutdown first, and the drop guard in `run`, so the
//!   server and every connection end however `run` ends.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, sleep, timeout};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// How long a client may take to send one whole line.
const LINE_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a reply may wait for the client to make room for it.
const WRITE_TIMEOUT: Duration = Duration::from_secs(1);
/// The longest line, in bytes, newline included.
const MAX_LINE: usize = 1024;
/// How long to wait before accepting again after `accept` failed.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);
/// How much of a client's remaining input is read, and for how long, before
/// its connection is closed.
const DRAIN_LIMIT: u64 = 64 * 1024;
const DRAIN_TIME: Duration = Duration::from_secs(1);

/// Accepts connections until `shutdown` is cancelled, then waits until
/// every connection has ended.
pub async fn serve(listener: TcpListener, shutdown: CancellationToken) {
    let connections = TaskTracker::new();
    loop {
        let accepted = tokio::select! {
            biased;
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((socket, _peer)) => {
                let shutdown = shutdown.clone();
                // An I/O error ends its own connection, nothing more.
                connections.spawn(async move { serve_lines(socket, shutdown).await });
            }
            // The client hung up before it was accepted: nothing to do.
            Err(error) if is_connection_error(&error) => {}
            // Out of file descriptors or memory, the next accept fails at
            // once too: pause, so that connections can close, rather than
            // spin. None of these is fatal, since the listening socket
            // itself is still good (axum's `serve` does the same).
            Err(error) => {
                eprintln!("accept failed: {error}; trying again in {ACCEPT_PAUSE:?}");
                sleep(ACCEPT_PAUSE).await;
            }
        }
    }
    connections.close();
    connections.wait().await;
}

fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
    )
}

/// Answers each line in upper case until the client closes, breaks a
/// limit, or the server shuts down.
async fn serve_lines(socket: TcpStream, shutdown: CancellationToken) -> io::Result<()> {
    let (reader, mut writer) = socket.into_split();
    let mut reader = BufReader::new(reader).take(0);
    let mut line = Vec::new();
    let last_words = loop {
        line.clear();
        reader.set_limit(MAX_LINE as u64);
        let read = tokio::select! {
            biased;
            () = shutdown.cancelled() => break "server shutting down\n".to_owned(),
            read = timeout(LINE_TIMEOUT, reader.read_until(b'\n', &mut line)) => read,
        };
        let Ok(read) = read else {
            break format!("error: no whole line within {LINE_TIMEOUT:?}\n");
        };
        if read? == 0 {
            return Ok(()); // the client closed
        }
        if !line.ends_with(b"\n") {
            if line.len() < MAX_LINE {
                return Ok(()); // the stream ended mid-line
            }
            break format!("error: a line may be {MAX_LINE} bytes at most\n");
        }
        send(&mut writer, &line.to_ascii_uppercase()).await?;
    };
    send(&mut writer, last_words.as_bytes()).await?;
    writer.shutdown().await?;
    // The client may still be sending. Closing with its input unread would
    // make the system reset the connection, and a reset can destroy the
    // reply before the client reads it; so read and discard what comes, up
    // to a bound of bytes and of time, until the client closes its side.
    reader.set_limit(DRAIN_LIMIT);
    let _ = timeout(
        DRAIN_TIME,
        tokio::io::copy(&mut reader, &mut tokio::io::sink()),
    )
    .await;
    Ok(())
}

/// Writes all of `bytes` within `WRITE_TIMEOUT`.
async fn send(writer: &mut OwnedWriteHalf, bytes: &[u8]) -> io::Result<()> {
    timeout(WRITE_TIMEOUT, writer.write_all(bytes))
        .await
        .map_err(|_elapsed| io::Error::new(io::ErrorKind::TimedOut, "the client reads nothing"))?
}

pub async fn run() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let shutdown = CancellationToken::new();
    let _stop_server_when_done = shutdown.clone().drop_guard();
    let server = tokio::spawn(serve(listener, shutdown.clone()));

    polite_client(address).await?;
    trickling_client(address).await?;
    long_line_client(address).await?;
    client_that_never_reads(address).await?;

    // A client still connected when the server shuts down.
    let mut client = Client::connect(address).await?;
    let reply = client.ask("still here").await?;
    println!("shutdown: a client sent \"still here\", got {reply:?}");
    shutdown.cancel();
    println!(
        "shutdown: the connected client got {:?}",
        client.answer().await?
    );
    println!("shutdown: then {:?}", client.answer().await?);
    drop(client);
    server.await?;
    println!("shutdown: the server has stopped, every connection closed");
    Ok(())
}

// What only feeds the demonstration: clients that behave and clients that
// don't, each printing what it saw.

/// How long a client waits for the server's answer.
const CLIENT_PATIENCE: Duration = Duration::from_secs(5);

struct Client {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl Client {
    async fn connect(address: SocketAddr) -> io::Result<Self> {
        let (reader, writer) = TcpStream::connect(address).await?.into_split();
        Ok(Client {
            reader: BufReader::new(reader),
            writer,
        })
    }

    /// Sends `message` as a line and returns the answer.
    async fn ask(&mut self, message: &str) -> io::Result<String> {
        self.writer
            .write_all(format!("{message}\n").as_bytes())
            .await?;
        self.answer().await
    }

    /// The next line from the server, without its newline, or "(closed)"
    /// if the server closed the connection instead.
    async fn answer(&mut self) -> io::Result<String> {
        answer(&mut self.reader).await
    }
}

async fn answer(reader: &mut BufReader<OwnedReadHalf>) -> io::Result<String> {
    let mut line = String::new();
    let read = timeout(CLIENT_PATIENCE, reader.read_line(&mut line))
        .await
        .map_err(|_elapsed| io::Error::new(io::ErrorKind::TimedOut, "the server is silent"))??;
    Ok(if read == 0 {
        "(closed)".to_owned()
    } else {
        line.trim_end().to_owned()
    })
}

async fn polite_client(address: SocketAddr) -> io::Result<()> {
    let mut client = Client::connect(address).await?;
    for message in ["hello", "how are you?"] {
        let reply = client.ask(message).await?;
        println!("polite: sent {message:?}, got {reply:?}");
    }
    Ok(())
}

/// Sends a byte every 0.3 s, and never a newline.
async fn trickling_client(address: SocketAddr) -> io::Result<()> {
    let start = Instant::now();
    let Client {
        mut reader,
        mut writer,
    } = Client::connect(address).await?;
    let trickle = async {
        loop {
            if let Err(error) = writer.write_all(b"z").await {
                return error;
            }
            sleep(Duration::from_millis(300)).await;
        }
    };
    let reply = tokio::select! {
        error = trickle => return Err(error),
        reply = answer(&mut reader) => reply?,
    };
    println!(
        "trickling: after {:.1}s got {reply:?}",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn long_line_client(address: SocketAddr) -> io::Result<()> {
    let mut client = Client::connect(address).await?;
    let reply = client.ask(&"x".repeat(2000)).await?;
    println!("long line: sent 2000 bytes, got {reply:?}");
    println!("long line: then {:?}", client.answer().await?);
    Ok(())
}

/// Sends line after line and reads none of the answers, until the server
/// gives up on it.
async fn client_that_never_reads(address: SocketAddr) -> io::Result<()> {
    let start = Instant::now();
    let mut client = Client::connect(address).await?;
    let line = format!("{}\n", "y".repeat(MAX_LINE - 1));
    let mut sent = 0u64;
    let error = loop {
        if let Err(error) = client.writer.write_all(line.as_bytes()).await {
            break error;
        }
        sent += 1;
        if sent > 1_000_000 {
            return Err(io::Error::other(
                "the server took a million lines unanswered",
            ));
        }
    };
    // Filling the sockets' buffers first takes a moment of real time.
    println!(
        "never reads: after about {:.0}s the server closed the connection ({})",
        start.elapsed().as_secs_f64(),
        match error.kind() {
            io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe => "its writes fail",
            _ => return Err(error),
        }
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use tokio::net::TcpSocket;

    use super::*;

    /// A client that sends many lines, one too long and more before it
    /// reads any reply: with its receive buffer small, the replies wait in
    /// the server's send buffer, which a reset would throw away.
    #[tokio::test]
    async fn the_refusal_reaches_a_client_that_was_still_sending() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(serve(listener, shutdown.clone()));

        let socket = TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let mut client = socket.connect(address).await.unwrap();
        let mut lines: Vec<u8> = (0..200)
            .flat_map(|i| format!("{i:099}\n").into_bytes())
            .collect();
        lines.extend(vec![b'x'; 2 * MAX_LINE]);
        // And more after it, which the server never answers.
        lines.extend(b"more\n".repeat(4096));
        client.write_all(&lines).await.unwrap();
        // Time for the server to answer all it can and refuse the long line.
        sleep(Duration::from_millis(200)).await;

        let mut replies = String::new();
        client.read_to_string(&mut replies).await.unwrap();
        assert!(replies.ends_with("error: a line may be 1024 bytes at most\n"));
        assert_eq!(replies.lines().count(), 201);
        drop(client);
        shutdown.cancel();
        server.await.unwrap();
    }
}
