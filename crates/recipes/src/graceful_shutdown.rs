//! A TCP server that stops on Ctrl-C or SIGTERM: it stops accepting, closes
//! idle connections, gives the requests in flight a grace period to finish,
//! and stops at once on a second signal or when the grace period runs out.
//!
//! In asyncio (3.11+), `asyncio.run` cancels the main task on the first Ctrl-C
//! and raises `KeyboardInterrupt` on the second; SIGTERM needs
//! `loop.add_signal_handler`. Here a signal is a stream, one more branch of
//! `select!`, and the open connections are a `JoinSet`, which aborts every
//! task left in it when the server returns. Unix only. `main` is the server as
//! a program of its own, for a real Ctrl-C. See the book's page "Background
//! work and graceful shutdown".
//!
//! What not to undo when you copy it:
//! - `ShutdownSignals::listen()` before serving: until a kind is registered,
//!   its signal ends the process.
//! - The grace period and the second signal.
//! - The drain before closing.
//! - A place taken from the `Semaphore` before `accept`, and moved into the
//!   connection's task.
//! - A `log`, and a first line, that never block.
//! - A line refused as an item (`Requests`), not as the codec's error.

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::{ExitCode, Termination};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::{JoinError, JoinSet};
use tokio::time::{sleep, timeout};
use tokio_util::bytes::BytesMut;
use tokio_util::codec::{Decoder, Encoder, Framed, LinesCodec, LinesCodecError};
use tokio_util::sync::CancellationToken;

/// How long a client may stay silent between requests.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a reply may wait for the client to make room for it.
const WRITE_TIMEOUT: Duration = Duration::from_secs(1);
/// The longest request line, in bytes.
const MAX_LINE: usize = 100;
/// The most connections served at once: without a limit every client gets a
/// task and a file descriptor, and once the descriptors run out `accept`
/// fails for all.
const MAX_CONNECTIONS: usize = 250;
/// The most work a request may ask for.
const MAX_WORK: Duration = Duration::from_secs(60);
/// How long to wait before accepting again after `accept` failed.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);
/// How much of a client's remaining input is read, and for how long, before
/// its connection is closed.
const DRAIN_LIMIT: u64 = 64 * 1024;
const DRAIN_TIME: Duration = Duration::from_secs(1);

/// Ctrl-C (SIGINT) and SIGTERM, which `kill`, systemd and Docker send. Unix
/// only: on Windows, listen to `tokio::signal::windows::ctrl_c()`.
pub struct ShutdownSignals {
    interrupt: Signal,
    terminate: Signal,
}

impl ShutdownSignals {
    /// Registers both kinds now, so that from here on they are delivered
    /// to `recv` and no longer end the process. (`tokio::signal::ctrl_c()`
    /// registers only when first polled.)
    pub fn listen() -> io::Result<Self> {
        Ok(ShutdownSignals {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    /// Waits for the next of either signal and names it. Cancel safe: a
    /// signal that comes while nobody waits is kept for the next call,
    /// though two may merge into one.
    pub async fn recv(&mut self) -> &'static str {
        tokio::select! {
            _ = self.interrupt.recv() => "Ctrl-C",
            _ = self.terminate.recv() => "SIGTERM",
        }
    }
}

/// How `serve` ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Stopped {
    /// Every connection ended within the grace period.
    Gracefully,
    /// The grace period ran out, and the connections still open were cut.
    GraceOver { grace: Duration, cut_off: usize },
    /// A second signal came during the grace period.
    Forced {
        signal: &'static str,
        cut_off: usize,
    },
}

impl Stopped {
    /// The status a program exits with: 0 only for a graceful stop, so
    /// that a supervisor sees the work that was cut off.
    pub fn exit_status(&self) -> u8 {
        match self {
            Stopped::Gracefully => 0,
            Stopped::GraceOver { .. } | Stopped::Forced { .. } => 1,
        }
    }
}

impl fmt::Display for Stopped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: &usize| if *n == 1 { "" } else { "s" };
        match self {
            Stopped::Gracefully => write!(f, "stopped gracefully: every connection finished"),
            Stopped::GraceOver { grace, cut_off } => write!(
                f,
                "stopped after the grace period of {grace:?}, cutting off {cut_off} connection{}",
                plural(cut_off)
            ),
            Stopped::Forced { signal, cut_off } => write!(
                f,
                "stopped at once by a second {signal}, cutting off {cut_off} connection{}",
                plural(cut_off)
            ),
        }
    }
}

/// Serves until the first signal, then lets the connections finish for at
/// most `grace`, or until a second signal: without both, a request that
/// never ends would hold the exit up for ever. All it says goes to `log`,
/// which must not block: the runtime's tasks call it.
pub async fn serve(
    listener: TcpListener,
    signals: &mut ShutdownSignals,
    grace: Duration,
    log: fn(String),
) -> Stopped {
    let shutdown = CancellationToken::new();
    let mut connections = JoinSet::new();
    let places = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let first = loop {
        tokio::select! {
            first = signals.recv() => break first,
            accepted = accept(&listener, &places) => match accepted {
                Ok((place, socket)) => {
                    let shutdown = shutdown.clone();
                    connections.spawn(async move {
                        // Given back when the connection ends, or is aborted.
                        let _place = place;
                        serve_connection(socket, shutdown).await
                    });
                }
                // Out of file descriptors, say: pause rather than spin.
                Err(error) => {
                    log(format!("accept failed: {error}; trying again in {ACCEPT_PAUSE:?}"));
                    sleep(ACCEPT_PAUSE).await;
                }
            },
            // Reap the connections that ended, so the set holds only open ones.
            Some(ended) = connections.join_next() => report(ended, log),
        }
    };
    // Closing the listening socket refuses new clients at once.
    drop(listener);
    shutdown.cancel();
    log(format!(
        "server: {first}: no new connections; {} still open, given up to {grace:?} to finish",
        still_open(&mut connections, log)
    ));
    let cut_short = tokio::select! {
        () = finish_all(&mut connections, log) => None,
        () = sleep(grace) => Some(None),
        second = signals.recv() => Some(Some(second)),
    };
    // Dropping `connections` on return aborts what is left in it.
    match cut_short {
        None => Stopped::Gracefully,
        Some(None) => Stopped::GraceOver {
            grace,
            cut_off: still_open(&mut connections, log),
        },
        Some(Some(signal)) => Stopped::Forced {
            signal,
            cut_off: still_open(&mut connections, log),
        },
    }
}

/// Waits for a free place, then for a client to take it: a client past
/// `MAX_CONNECTIONS` waits until a connection ends, connected but not
/// accepted, in the listening socket's backlog (128), and past that with
/// its connect waiting too, the system retrying it. (`acquire_owned` fails
/// only once the semaphore is closed, which this one never is.)
async fn accept(
    listener: &TcpListener,
    places: &Arc<Semaphore>,
) -> io::Result<(OwnedSemaphorePermit, TcpStream)> {
    let place = Arc::clone(places)
        .acquire_owned()
        .await
        .map_err(io::Error::other)?;
    let (socket, _peer) = listener.accept().await?;
    Ok((place, socket))
}

/// How many connections are still open: `len` counts too the tasks that
/// have ended and that the set has not given back yet.
fn still_open(connections: &mut JoinSet<io::Result<()>>, log: fn(String)) -> usize {
    while let Some(ended) = connections.try_join_next() {
        report(ended, log);
    }
    connections.len()
}

async fn finish_all(connections: &mut JoinSet<io::Result<()>>, log: fn(String)) {
    while let Some(ended) = connections.join_next().await {
        report(ended, log);
    }
}

/// A failed connection ends alone; the server only says so.
fn report(ended: Result<io::Result<()>, JoinError>, log: fn(String)) {
    match ended {
        Ok(Ok(())) => {}
        Ok(Err(error)) => log(format!("a connection failed: {error}")),
        Err(error) => log(format!("a connection's task failed: {error}")),
    }
}

/// Each line asks for that many milliseconds of work; the reply says when
/// it starts and when it is done. A request that has started is finished
/// even after a signal: the grace period is for that.
async fn serve_connection(socket: TcpStream, shutdown: CancellationToken) -> io::Result<()> {
    let mut lines = Framed::new(socket, Requests(LinesCodec::new_with_max_length(MAX_LINE)));
    loop {
        // Between requests, a shutdown closes the connection at once.
        let line = tokio::select! {
            biased;
            () = shutdown.cancelled() => break,
            line = timeout(IDLE_TIMEOUT, lines.next()) => line,
        };
        let request = match line {
            // An error, so that the log says which limit ended it.
            Err(_silent_too_long) => {
                let silent = format!("the client said nothing for {IDLE_TIMEOUT:?}");
                return Err(io::Error::new(io::ErrorKind::TimedOut, silent));
            }
            Ok(None) => return Ok(()), // the client closed
            Ok(Some(request)) => request?,
        };
        let work = match request {
            Request::Line(line) => line.trim().parse().map(Duration::from_millis).ok(),
            Request::TooLong => {
                let error = format!("error: a request is {MAX_LINE} bytes at most");
                send(&mut lines, error).await?;
                continue;
            }
            Request::NotUtf8 => None,
        };
        let work = match work {
            Some(work) if work <= MAX_WORK => work,
            _ => {
                let error = format!("error: expected milliseconds of work, at most {MAX_WORK:?}");
                send(&mut lines, error).await?;
                continue;
            }
        };
        send(&mut lines, format!("started: {work:?} of work")).await?;
        sleep(work).await; // the request's real work goes here
        send(&mut lines, format!("done: {work:?} of work")).await?;
    }
    // The client may still be sending. Closing with its input unread would
    // make the system reset the connection, and a reset can destroy the
    // replies before the client reads them; so end the stream, then read
    // and discard what comes, up to a bound of bytes and of time, until the
    // client closes its side.
    let mut socket = lines.into_inner();
    socket.shutdown().await?;
    let mut rest = socket.take(DRAIN_LIMIT);
    let _ = timeout(
        DRAIN_TIME,
        tokio::io::copy(&mut rest, &mut tokio::io::sink()),
    )
    .await;
    Ok(())
}

/// Sends one line within `WRITE_TIMEOUT`.
async fn send(lines: &mut Framed<TcpStream, Requests>, line: String) -> io::Result<()> {
    match timeout(WRITE_TIMEOUT, lines.send(line)).await {
        Err(_elapsed) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "the client reads nothing",
        )),
        Ok(sent) => sent,
    }
}

/// A line of input, framed.
enum Request {
    Line(String),
    /// Longer than `MAX_LINE`: the codec skips the rest of it.
    TooLong,
    NotUtf8,
}

/// `LinesCodec`, with a line it refuses as an item rather than an error:
/// `Framed` ends its stream after a decoder's error, which would close the
/// connection with no drain and leave the requests after it unanswered.
struct Requests(LinesCodec);

impl Decoder for Requests {
    type Item = Request;
    type Error = io::Error;

    fn decode(&mut self, buffer: &mut BytesMut) -> io::Result<Option<Request>> {
        refusal_as_item(self.0.decode(buffer))
    }

    fn decode_eof(&mut self, buffer: &mut BytesMut) -> io::Result<Option<Request>> {
        refusal_as_item(self.0.decode_eof(buffer))
    }
}

/// `LinesCodec` has consumed a line it refuses by the time it says so,
/// and skips the rest of one too long, so the next line decodes as usual.
/// Its only `Io` error is the one for bytes that are not UTF-8: reading
/// the socket is `Framed`'s, whose errors never pass through here.
fn refusal_as_item(
    decoded: Result<Option<String>, LinesCodecError>,
) -> io::Result<Option<Request>> {
    match decoded {
        Ok(line) => Ok(line.map(Request::Line)),
        Err(LinesCodecError::MaxLineLengthExceeded) => Ok(Some(Request::TooLong)),
        Err(LinesCodecError::Io(_not_utf8)) => Ok(Some(Request::NotUtf8)),
    }
}

impl Encoder<String> for Requests {
    type Error = io::Error;

    fn encode(&mut self, line: String, buffer: &mut BytesMut) -> io::Result<()> {
        self.0.encode(line, buffer).map_err(|error| match error {
            LinesCodecError::Io(error) => error,
            LinesCodecError::MaxLineLengthExceeded => io::Error::other(error),
        })
    }
}

// The server as a program of its own: the `main` of `graceful-server`, and
// of the export.

/// Serves on 127.0.0.1 until Ctrl-C or SIGTERM, lets the work in flight
/// finish for up to `--grace` seconds, and stops at once on a second signal.
#[derive(clap::Parser)]
pub struct Args {
    /// The port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 7000)]
    port: u16,
    /// Seconds the work in flight may go on after the first signal, up to 3600.
    #[arg(long, default_value = "5", value_parser = grace, allow_hyphen_values = true)]
    grace: Duration,
    /// Run the demonstration instead: scripted clients, and signals this
    /// process sends itself.
    #[arg(long, conflicts_with_all = ["port", "grace"])]
    demo: bool,
}

fn grace(value: &str) -> Result<Duration, String> {
    value
        .parse()
        .ok()
        .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
        .filter(|grace| *grace <= Duration::from_secs(3600))
        .ok_or_else(|| "expected seconds, from 0 to 3600".to_owned())
}

/// A program's `main`. Exit codes: 0 stopped by a signal, every connection
/// finished; 1 it could not serve, or it stopped with connections cut off;
/// 2 a usage mistake. Try it: `cargo run -p recipes --bin graceful-server --
/// --port 7000` (in the export, `cargo run -- --port 7000`), then `nc
/// 127.0.0.1 7000` in another terminal, type `3000` for 3 s of work, and
/// press Ctrl-C in the first. `--demo` runs `run`, the demonstration.
pub fn main() -> ExitCode {
    main_with(clap::Parser::parse())
}

pub fn main_with(args: Args) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    if args.demo {
        return runtime.block_on(run()).report();
    }
    let printed = match start_log() {
        Ok(printed) => printed,
        Err(error) => {
            eprintln!("error: cannot start the thread that prints: {error}");
            return ExitCode::FAILURE;
        }
    };
    let exit = match runtime.block_on(serve_on(args.port, args.grace)) {
        Ok(stopped) => ExitCode::from(stopped.exit_status()),
        Err(error) => {
            log(format!("error: {error}"));
            ExitCode::FAILURE
        }
    };
    // The connections' tasks are dropped with the runtime; then the log is
    // closed, and given a bounded time to print what is left.
    drop(runtime);
    LOG.lock().unwrap_or_else(PoisonError::into_inner).take();
    let _ = printed.recv_timeout(LOG_EXIT_WAIT);
    exit
}

async fn serve_on(port: u16, grace: Duration) -> io::Result<Stopped> {
    // Before the address is printed: whoever reads it may send a signal.
    let mut signals = ShutdownSignals::listen()?;
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let listener = TcpListener::bind(address).await.map_err(|error| {
        io::Error::new(error.kind(), format!("cannot listen on {address}: {error}"))
    })?;
    // Printed by a thread of its own: the signals are ours from here on, and
    // a wait for room in stdout (a pipe nobody reads) on this thread would
    // leave only SIGKILL to stop the server.
    let listening = format!("listening on {}; stop with Ctrl-C", listener.local_addr()?);
    std::thread::Builder::new()
        .name("address".to_owned())
        .spawn(move || println!("{listening}"))?;
    let stopped = serve(listener, &mut signals, grace, log).await;
    log(stopped.to_string());
    Ok(stopped)
}

/// How many lines may wait for the thread that prints them.
const LOG_BACKLOG: usize = 1024;
/// How long the exit waits for the lines still waiting to be printed.
const LOG_EXIT_WAIT: Duration = Duration::from_secs(1);

/// The way to the printing thread: taken, and so closed, at the exit.
static LOG: Mutex<Option<SyncSender<String>>> = Mutex::new(None);
/// Lines dropped since the last one printed.
static DROPPED: AtomicU64 = AtomicU64::new(0);

/// The `log` `main` gives `serve`: it never waits, and past `LOG_BACKLOG`
/// waiting lines it drops the line and counts it. A `println!` would wait
/// for room in a pipe, and from the runtime's tasks it would stop every
/// connection, and the signals, until someone read.
fn log(line: String) {
    let log = LOG.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(lines) = log.as_ref()
        && let Err(TrySendError::Full(_)) = lines.try_send(line)
    {
        DROPPED.fetch_add(1, Ordering::Relaxed);
    }
}

/// Starts the thread that prints the log on stderr, each line after the
/// count of those dropped before it, until `LOG` is taken; the receiver
/// hears when it is done.
fn start_log() -> io::Result<Receiver<()>> {
    let (lines, to_print) = std::sync::mpsc::sync_channel::<String>(LOG_BACKLOG);
    let (done, printed) = std::sync::mpsc::sync_channel(1);
    *LOG.lock().unwrap_or_else(PoisonError::into_inner) = Some(lines);
    let say_dropped = || {
        let dropped = DROPPED.swap(0, Ordering::Relaxed);
        if dropped > 0 {
            eprintln!("({dropped} lines dropped: stderr was not read)");
        }
    };
    std::thread::Builder::new()
        .name("log".to_owned())
        .spawn(move || {
            for line in to_print {
                say_dropped();
                eprintln!("{line}");
            }
            say_dropped();
            let _ = done.send(());
        })?;
    Ok(printed)
}

pub async fn run() -> io::Result<()> {
    let mut signals = ShutdownSignals::listen()?;
    let interrupt = signal_hook::consts::SIGINT;
    let terminate = signal_hook::consts::SIGTERM;
    let five_seconds = Duration::from_secs(5);
    demo("graceful", 300, five_seconds, &[interrupt], &mut signals).await?;
    demo(
        "grace over",
        10_000,
        Duration::from_secs(1),
        &[terminate],
        &mut signals,
    )
    .await?;
    demo(
        "twice",
        10_000,
        five_seconds,
        &[interrupt, interrupt],
        &mut signals,
    )
    .await
}

// What only feeds the demonstration: a server, an idle client and a busy
// one, and signals this process sends itself.

/// Runs the server beside two clients, one idle and one that asks for
/// `work_ms`, and sends the `signals` once the work has started, the
/// second 0.1 s after the first.
async fn demo(
    name: &str,
    work_ms: u64,
    grace: Duration,
    to_send: &[std::ffi::c_int],
    signals: &mut ShutdownSignals,
) -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let clients = async {
        // Connected first, so accepted first.
        let mut idle = connect(address).await?;
        let mut busy = connect(address).await?;
        busy.send(work_ms.to_string())
            .await
            .map_err(io::Error::other)?;
        answer(&mut busy).await?;
        println!("{name}: one client is idle, another's {work_ms} ms of work has started");
        for (index, &number) in to_send.iter().enumerate() {
            if index > 0 {
                sleep(Duration::from_millis(100)).await;
            }
            // `raise` delivers the signal before it returns.
            signal_hook::low_level::raise(number)?;
            let again = if index > 0 { " again" } else { "" };
            let signal_name = signal_hook::low_level::signal_name(number).unwrap_or("a signal");
            println!("{name}: sending {signal_name}{again}");
            if index == 0 {
                println!("{name}: the idle client got {}", answer(&mut idle).await?);
                // And closes its side, which ends the server's drain.
                idle.get_mut().shutdown().await?;
            }
        }
        let first = answer(&mut busy).await?;
        if first == "(closed)" {
            println!("{name}: the busy client got (closed)");
        } else {
            println!(
                "{name}: the busy client got {first:?}, then {}",
                answer(&mut busy).await?
            );
        }
        Ok::<_, io::Error>(())
    };
    // What the server says, on stdout among the clients' lines: here it
    // is part of what the demonstration shows.
    let log = |line| println!("{line}");
    let (stopped, clients) = tokio::join!(serve(listener, signals, grace, log), clients);
    clients?;
    println!("{name}: {stopped} (exit status {})", stopped.exit_status());
    Ok(())
}

/// A client's connection: it takes lines of `MAX_LINE` bytes at most, the
/// server's limit on requests, which its answers stay under.
async fn connect(address: std::net::SocketAddr) -> io::Result<Framed<TcpStream, LinesCodec>> {
    Ok(Framed::new(
        TcpStream::connect(address).await?,
        LinesCodec::new_with_max_length(MAX_LINE),
    ))
}

/// The server's next line, or "(closed)" if it closed the connection.
async fn answer(client: &mut Framed<TcpStream, LinesCodec>) -> io::Result<String> {
    match timeout(Duration::from_secs(20), client.next()).await {
        Err(_elapsed) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "the server is silent",
        )),
        Ok(None) => Ok("(closed)".to_owned()),
        Ok(Some(Ok(line))) => Ok(line),
        Ok(Some(Err(LinesCodecError::MaxLineLengthExceeded))) => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("the server sent a line longer than {MAX_LINE} bytes"),
        )),
        Ok(Some(Err(LinesCodecError::Io(error)))) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpSocket;

    use super::*;

    /// A connection to a `serve_connection` on its own, and the server's
    /// task, which ends with the connection.
    async fn one_connection() -> (
        Framed<TcpStream, LinesCodec>,
        CancellationToken,
        tokio::task::JoinHandle<io::Result<()>>,
    ) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let server = tokio::spawn({
            let shutdown = shutdown.clone();
            async move {
                let (socket, _peer) = listener.accept().await.unwrap();
                serve_connection(socket, shutdown).await
            }
        });
        (connect(address).await.unwrap(), shutdown, server)
    }

    /// A server that sends a line longer than `MAX_LINE`: the client
    /// fails, and says so.
    #[tokio::test]
    async fn a_line_over_the_clients_limit_is_an_error() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = connect(listener.local_addr().unwrap()).await.unwrap();
        let (mut server, _peer) = listener.accept().await.unwrap();
        let lines = format!("{}\n{}\n", "x".repeat(MAX_LINE), "x".repeat(MAX_LINE + 1));
        server.write_all(lines.as_bytes()).await.unwrap();
        assert_eq!(answer(&mut client).await.unwrap(), "x".repeat(MAX_LINE));
        let error = answer(&mut client).await.unwrap_err();
        assert_eq!(
            error.to_string(),
            "the server sent a line longer than 100 bytes"
        );
    }

    /// A connection whose task has ended, but that the set has not given
    /// back yet, is not open: `len` counts it, `still_open` does not.
    #[tokio::test]
    async fn a_connection_that_has_ended_is_not_counted_as_open() {
        let mut connections: JoinSet<io::Result<()>> = JoinSet::new();
        let ended = connections.spawn(async { Ok(()) });
        connections.spawn(std::future::pending());
        while !ended.is_finished() {
            tokio::task::yield_now().await;
        }
        assert_eq!(connections.len(), 2);
        assert_eq!(still_open(&mut connections, |_| {}), 1);
    }

    /// 200 x's, a newline, then `100`: the long line is refused and the
    /// connection goes on, so `100` is answered. (With `LinesCodec` as the
    /// `Framed`'s codec, the error line came, then the end of the stream.)
    #[tokio::test]
    async fn a_refused_request_is_answered_and_the_next_one_too() {
        let (mut client, shutdown, server) = one_connection().await;
        let mut input = vec![b'x'; 200];
        input.extend(b"\n100\n");
        client.get_mut().write_all(&input).await.unwrap();
        assert_eq!(
            answer(&mut client).await.unwrap(),
            format!("error: a request is {MAX_LINE} bytes at most")
        );
        assert_eq!(answer(&mut client).await.unwrap(), "started: 100ms of work");
        assert_eq!(answer(&mut client).await.unwrap(), "done: 100ms of work");
        // And the same for a line that is not UTF-8.
        client.get_mut().write_all(b"\xff\xfe\n50\n").await.unwrap();
        assert_eq!(
            answer(&mut client).await.unwrap(),
            "error: expected milliseconds of work, at most 60s"
        );
        assert_eq!(answer(&mut client).await.unwrap(), "started: 50ms of work");
        assert_eq!(answer(&mut client).await.unwrap(), "done: 50ms of work");
        shutdown.cancel();
        assert_eq!(answer(&mut client).await.unwrap(), "(closed)");
        server.await.unwrap().unwrap();
    }

    /// A client that sends and never reads: its connection's task waits for
    /// room to reply, holding one place. Another client is served
    /// meanwhile, well before `WRITE_TIMEOUT` lets the first go, and a
    /// Ctrl-C stops the server gracefully within `WRITE_TIMEOUT`, not at the
    /// end of the grace period: the held reply is given up on.
    #[tokio::test(start_paused = true)]
    async fn held_caller_a_client_that_never_reads_stalls_no_one() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let mut signals = ShutdownSignals::listen().unwrap();
        let grace = Duration::from_secs(60);
        let server =
            tokio::spawn(async move { serve(listener, &mut signals, grace, |_| {}).await });
        let mut deaf = TcpStream::connect(address).await.unwrap();
        let requests = b"0\n".repeat(4096);
        while timeout(Duration::from_millis(200), deaf.write_all(&requests))
            .await
            .is_ok()
        {}

        let mut other = connect(address).await.unwrap();
        let served = timeout(WRITE_TIMEOUT / 2, async {
            other.send("0").await.unwrap();
            [answer(&mut other).await, answer(&mut other).await]
        })
        .await
        .expect("the other client waited");
        let served = served.map(Result::unwrap);
        assert_eq!(served, ["started: 0ns of work", "done: 0ns of work"]);
        drop(other);

        signal_hook::low_level::raise(signal_hook::consts::SIGINT).unwrap();
        let stopped = timeout(WRITE_TIMEOUT * 2, server)
            .await
            .expect("the shutdown waited for the client that never reads");
        assert_eq!(stopped.unwrap(), Stopped::Gracefully);
        drop(deaf);
        // Tokio keeps both signals caught for the rest of the process: a
        // Ctrl-C during the tests after this one ends the run, as before.
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            let always = Arc::new(std::sync::atomic::AtomicBool::new(true));
            signal_hook::flag::register_conditional_default(signal, always).unwrap();
        }
    }

    /// A client that sends many requests before it reads any reply, more
    /// than the server gets to before the shutdown: with its receive buffer
    /// small, the replies wait in the server's send buffer, which a reset
    /// would throw away. The client reads once the connection has ended,
    /// so that a reset would have come first.
    #[tokio::test]
    async fn the_replies_reach_a_client_that_was_still_sending() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let server = tokio::spawn({
            let shutdown = shutdown.clone();
            async move {
                let (socket, _peer) = listener.accept().await.unwrap();
                serve_connection(socket, shutdown).await
            }
        });

        let socket = TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let mut client = socket.connect(address).await.unwrap();
        // Each request takes a tick of the timer. 32 KiB: more than the
        // server reads ahead (its codec's buffer holds 8 KiB), so that most
        // are still in the socket when the shutdown comes.
        client.write_all(&b"0\n".repeat(16 * 1024)).await.unwrap();
        // The shutdown once one has started: it is finished, the rest not.
        let mut first = [0; 1];
        let started = timeout(Duration::from_secs(30), client.peek(&mut first));
        started.await.expect("no request started").unwrap();
        shutdown.cancel();
        server.await.unwrap().unwrap();

        // Every request the server started is done, and the stream ends
        // without a reset, which shows in the socket's error even when
        // every reply had reached the client.
        let mut replies = String::new();
        client.read_to_string(&mut replies).await.unwrap();
        let started = replies.matches("started: 0ns of work\n").count();
        assert!(started > 0);
        assert_eq!(replies.matches("done: 0ns of work\n").count(), started);
        let reset = client.take_error().unwrap();
        assert!(reset.is_none(), "the connection was reset: {reset:?}");
    }
}
