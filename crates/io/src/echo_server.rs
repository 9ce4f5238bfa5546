//! An echo server and its clients: a `TcpListener` accept loop with a task
//! per connection, lines read with `read_until`, and a client that half-closes
//! its side the way `writer.write_eof()` does.
//!
//! Translates no guide block: it is the counterpart of asyncio's streams,
//! `asyncio.start_server` and `asyncio.open_connection`, which the guides
//! don't use.
//!
//! `start_server` calls a callback with a `(reader, writer)` pair per
//! connection; here the accept loop spawns the handler itself, on a
//! `TaskTracker` so that shutting down can wait for the connections still
//! open. Each handler races its reads and its writes against the shutdown
//! token: a client that sends without reading leaves the handler waiting
//! for room to write, where it must still hear the shutdown. (The goodbye
//! it then sends has a time limit instead.) `into_split` gives the two
//! halves as owned values, which separate tasks could read and write at
//! once. `AsyncReadExt` and `AsyncWriteExt` bring `read` and
//! `write_all`; `write_all` is `writer.write()` followed by `await
//! writer.drain()`, since Tokio has no unbounded write buffer to drain.
//! `BufReader` adds `read_until`, `read_line` and `lines`, the counterparts
//! of `readuntil` and `readline`.
//!
//! The handler reads with `read_until(b'\n', ..)` into a buffer it keeps.
//! `read_until` is cancel safe: if another branch of the `select!` wins, the
//! bytes of a half-read line stay in the buffer for the next call. That
//! matters as soon as the loop has a branch that goes round again (a timer,
//! a message to send); with `read_line` they would be lost. Here the only
//! other branch ends the connection. At the end of the stream `read_until`
//! returns 0: a buffer still holding bytes then means the stream ended
//! mid-line, which asyncio's `readline` reports by returning the partial
//! line, and `readuntil` by raising `IncompleteReadError`.
//!
//! `shutdown()` on a write half flushes it and sends the end of the stream
//! (FIN), while the read half stays open: it is `writer.write_eof()`. The
//! peer's read then returns 0, as `reader.read()` returns `b""`. Dropping
//! both halves closes the socket, which is `writer.close()`; there is no
//! `wait_closed()` to await, since the close happens in the drop.
//!
//! `serve` is the part to copy. It also runs on its own, on a port of your
//! choice, until Ctrl-C: `cargo run -p io --bin io-serve -- echo --port
//! 7000`, then `nc 127.0.0.1 7000` in another terminal.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// How long to wait before accepting again after an accept failed.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// Accepts connections until `shutdown` is cancelled, then waits for the
/// open ones, which `shutdown` ends too.
pub async fn serve(listener: TcpListener, shutdown: CancellationToken) -> io::Result<()> {
    let connections = TaskTracker::new();
    let mut next_id = 1;
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = shutdown.cancelled() => break,
        };
        match accepted {
            Ok((socket, peer)) => {
                let id = next_id;
                next_id += 1;
                let shutdown = shutdown.clone();
                connections.spawn(async move {
                    if let Err(error) = echo_lines(id, socket, shutdown).await {
                        println!("server: connection {id} from {peer} failed: {error}");
                    }
                });
            }
            // A failed accept (out of file descriptors, a connection reset
            // before it was accepted) is the client's or the moment's
            // problem, not a reason to stop serving. Out of descriptors,
            // the next accept fails at once too, so pause rather than spin.
            Err(error) => {
                println!("server: accept failed: {error}");
                tokio::time::sleep(ACCEPT_PAUSE).await;
            }
        }
    }
    connections.close();
    connections.wait().await;
    Ok(())
}

/// How long the goodbye may wait for room in the client's socket.
const GOODBYE_TIMEOUT: Duration = Duration::from_secs(1);

/// Echoes each line back with an `echo: ` prefix until the client ends the
/// stream or the server shuts down.
async fn echo_lines(id: u32, socket: TcpStream, shutdown: CancellationToken) -> io::Result<()> {
    let (reader, mut writer) = socket.into_split();
    let mut reader = BufReader::new(reader);
    let mut line = Vec::new();
    let mut lines = 0;
    loop {
        let read = tokio::select! {
            read = reader.read_until(b'\n', &mut line) => read?,
            () = shutdown.cancelled() => {
                // A client that reads nothing may have left no room for it.
                let goodbye = writer.write_all(b"server shutting down\n");
                if let Ok(written) = timeout(GOODBYE_TIMEOUT, goodbye).await {
                    written?;
                }
                break;
            }
        };
        if read == 0 {
            if line.is_empty() {
                println!("server: connection {id} ended by the client, lines echoed: {lines}");
            } else {
                println!(
                    "server: connection {id} ended mid-line; dropped {:?}",
                    String::from_utf8_lossy(&line)
                );
            }
            break;
        }
        if line.ends_with(b"\n") {
            // A client that sends without reading fills the socket's buffers,
            // and then these writes wait for it; the shutdown must not.
            let echo = async {
                writer.write_all(b"echo: ").await?;
                writer.write_all(&line).await
            };
            match shutdown.run_until_cancelled(echo).await {
                Some(written) => written?,
                None => break,
            }
            lines += 1;
            line.clear();
        }
    }
    writer.shutdown().await
}

/// A client's side: one line out, the echo back, then the end of the stream.
async fn client(address: SocketAddr, message: &str) -> io::Result<()> {
    let socket = TcpStream::connect(address).await?;
    let (reader, mut writer) = socket.into_split();
    let mut reader = BufReader::new(reader);
    writer.write_all(format!("{message}\n").as_bytes()).await?;
    let mut echo = String::new();
    reader.read_line(&mut echo).await?;
    println!("client: sent {message:?}, got back {:?}", echo.trim_end());

    // `writer.write_eof()`: no more lines from us. The server sees the end of
    // the stream, closes its side, and `read_to_end` returns.
    writer.shutdown().await?;
    reader.read_to_end(&mut Vec::new()).await?;
    println!("client: the server closed the connection");
    Ok(())
}

pub async fn run() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(serve(listener, shutdown.clone()));

    client(address, "hello").await?;

    // A client that stops halfway through a line: the bytes arrive, the
    // newline never does, and its side of the stream ends. (A client whose
    // process dies looks the same: the system closes its socket.)
    let mut cut_short = TcpStream::connect(address).await?;
    cut_short.write_all(b"half a li").await?;
    cut_short.shutdown().await?;
    cut_short.read_to_end(&mut Vec::new()).await?;
    println!("client: stopped mid-line, and the server closed the connection");

    // A client still connected when the server shuts down.
    let idle = TcpStream::connect(address).await?;
    let mut idle = BufReader::new(idle);
    idle.write_all(b"ping\n").await?;
    let mut echo = String::new();
    idle.read_line(&mut echo).await?;
    println!("client: sent \"ping\", got back {:?}", echo.trim_end());
    shutdown.cancel();
    let mut goodbye = String::new();
    idle.read_to_string(&mut goodbye).await?;
    println!(
        "client: the server said {:?} and closed",
        goodbye.trim_end()
    );

    server.await??;
    println!("server stopped");
    Ok(())
}
