//! The paused clock and real I/O: waiting on a socket is no work to it, so the
//! clock jumps to the next timer, and a timeout fires before the reply comes.
//!
//! Tokio's `time::pause` documents it: "If time is paused and the runtime
//! has no work to do, the clock is auto-advanced to the next pending
//! timer." The runtime checks its sockets once, without waiting, and if
//! nothing came, moves the clock: here a 5 s timeout around a request to a
//! loopback server that answers in 0.5 s fires at 5.0 s of paused time. The
//! fixes: test real I/O on the real clock, asserting no exact times; or bring
//! the peer into the test's runtime, at the other end of a `tokio::io::duplex`
//! pipe, where its work is a `sleep` the clock skips (the book's page
//! "Testing async code" has a third).
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Unit Testing Async Functions" (a test whose code waits for a server)

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::{Builder, Runtime};
use tokio::sync::oneshot;
use tokio::time::{Instant, sleep, timeout};

/// How long the server works on a request.
const WORK: Duration = Duration::from_millis(500);
/// How long the client gives a whole request.
const DEADLINE: Duration = Duration::from_secs(5);
/// The longest request line the server reads.
const MAX_LINE: u64 = 64;
/// How long the server waits for a request line: a client that connected
/// and sent nothing would hold its task for ever.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// The server's side of one connection: a line in, `WORK`, a line out.
async fn answer<S: AsyncRead + AsyncWrite + Unpin>(stream: S) -> io::Result<()> {
    let mut stream = BufReader::new(stream);
    let mut line = String::new();
    let mut request = (&mut stream).take(MAX_LINE);
    timeout(REQUEST_TIMEOUT, request.read_line(&mut line)).await??;
    sleep(WORK).await;
    stream.write_all(b"PONG\n").await
}

/// The client's side: a line out, a line back.
async fn ask<S: AsyncRead + AsyncWrite + Unpin>(stream: S) -> io::Result<String> {
    let mut stream = BufReader::new(stream);
    stream.write_all(b"PING\n").await?;
    let mut reply = String::new();
    (&mut stream).take(MAX_LINE).read_line(&mut reply).await?;
    Ok(reply.trim_end().to_owned())
}

/// The client over TCP, its deadline around connecting and asking.
async fn ask_over_tcp(addr: SocketAddr) -> io::Result<String> {
    let exchange = async { ask(TcpStream::connect(addr).await?).await };
    timeout(DEADLINE, exchange).await?
}

/// The server of `server_elsewhere`: its runtime, which stops it when
/// dropped; its address; a flag set when it has done its work; and the
/// sender that lets it take connections.
type Elsewhere = (Runtime, SocketAddr, Arc<AtomicBool>, oneshot::Sender<()>);

/// A server outside the test's runtime, as a database or another service
/// would be: on a runtime of its own, on the real clock. It takes no
/// connection until told (a send, or the sender dropped), and is told once
/// the paused client has given up: a busy machine that held the client's
/// thread up for the server's 0.5 s would otherwise let the reply in
/// before the paused clock moved.
fn server_elsewhere() -> io::Result<Elsewhere> {
    let runtime = Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0"))?;
    let addr = listener.local_addr()?;
    let worked = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&worked);
    let (open, opened) = oneshot::channel();
    runtime.spawn(async move {
        // Until then, a client's connection waits in the kernel's queue.
        let _ = opened.await;
        while let Ok((stream, _)) = listener.accept().await {
            let flag = Arc::clone(&flag);
            tokio::spawn(async move {
                // A client that left early makes the write fail: nothing to
                // tell it.
                let _ = answer(stream).await;
                flag.store(true, Ordering::SeqCst);
            });
        }
    });
    Ok((runtime, addr, worked, open))
}

fn paused_runtime() -> io::Result<Runtime> {
    Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
}

pub fn run() -> anyhow::Result<()> {
    let (elsewhere, addr, worked, open) = server_elsewhere()?;

    // The test as it is often written: the whole test on the paused clock.
    let paused = paused_runtime()?;
    let (result, elapsed) = paused.block_on(async {
        let start = Instant::now();
        (ask_over_tcp(addr).await, start.elapsed())
    });
    let server = if worked.load(Ordering::SeqCst) {
        "had answered"
    } else {
        "was still working"
    };
    match result {
        Err(error) if error.kind() == io::ErrorKind::TimedOut => println!(
            "paused clock, server elsewhere: timed out at {:.1}s; the server {server}",
            elapsed.as_secs_f64()
        ),
        other => println!("paused clock, server elsewhere: {other:?}"),
    }
    // The client has given up: the server may take connections.
    let _ = open.send(());

    // Fix one: real I/O on the real clock.
    let real = Builder::new_current_thread().enable_all().build()?;
    let reply = real.block_on(ask_over_tcp(addr))?;
    println!("real clock, server elsewhere: {reply}");

    // Fix two: the paused clock, and the server in the test's runtime.
    let (reply, elapsed) = paused.block_on(async {
        let (client, server) = tokio::io::duplex(64);
        let server = tokio::spawn(answer(server));
        let start = Instant::now();
        let reply = timeout(DEADLINE, ask(client)).await?;
        server.await??;
        anyhow::Ok((reply?, start.elapsed()))
    })?;
    println!(
        "paused clock, server in the runtime: {reply} at {:.1}s",
        elapsed.as_secs_f64()
    );
    drop(elsewhere);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The trap, pinned: a real server on the paused clock. The deadline
    /// passes at exactly `DEADLINE`, before the server has done its work.
    #[test]
    fn a_real_server_times_out_on_the_paused_clock() -> io::Result<()> {
        let (_elsewhere, addr, worked, _open) = server_elsewhere()?;
        let paused = paused_runtime()?;
        let (result, elapsed) = paused.block_on(async {
            let start = Instant::now();
            (ask_over_tcp(addr).await, start.elapsed())
        });
        assert_eq!(result.map_err(|e| e.kind()), Err(io::ErrorKind::TimedOut));
        assert_eq!(elapsed, DEADLINE);
        assert!(
            !worked.load(Ordering::SeqCst),
            "the server was still working"
        );
        Ok(())
    }

    /// Fix one: on the real clock, the server has its time.
    #[tokio::test]
    async fn a_real_server_on_the_real_clock() -> io::Result<()> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let server = tokio::spawn(async move { answer(listener.accept().await?.0).await });
        assert_eq!(ask_over_tcp(addr).await?, "PONG");
        server.await??;
        Ok(())
    }

    /// Fix two: the server in the test's runtime, and times exact again.
    #[tokio::test(start_paused = true)]
    async fn a_server_in_the_runtime_on_the_paused_clock() -> anyhow::Result<()> {
        let (client, server) = tokio::io::duplex(64);
        let server = tokio::spawn(answer(server));
        let start = Instant::now();
        assert_eq!(timeout(DEADLINE, ask(client)).await??, "PONG");
        assert_eq!(start.elapsed(), WORK);
        server.await??;
        Ok(())
    }

    /// A client that sends nothing: the server gives up on it after
    /// `REQUEST_TIMEOUT`.
    #[tokio::test(start_paused = true)]
    async fn the_server_gives_up_on_a_silent_client() {
        let (_client, server) = tokio::io::duplex(64);
        let start = Instant::now();
        let answered = timeout(2 * REQUEST_TIMEOUT, answer(server))
            .await
            .expect("the server still waited");
        assert_eq!(answered.unwrap_err().kind(), io::ErrorKind::TimedOut);
        assert_eq!(start.elapsed(), REQUEST_TIMEOUT);
    }

    /// Tokio's third way: while a blocking job runs, the clock stays put,
    /// and a timer pending meanwhile doesn't fire.
    #[tokio::test(start_paused = true)]
    async fn a_blocking_job_holds_the_paused_clock() -> anyhow::Result<()> {
        let start = Instant::now();
        let job = tokio::task::spawn_blocking(|| std::thread::sleep(Duration::from_millis(10)));
        timeout(Duration::from_secs(1), job).await??;
        assert_eq!(start.elapsed(), Duration::ZERO);
        Ok(())
    }
}
