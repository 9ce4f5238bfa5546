//! The io section's servers on their own, for real clients such as `nc`:
//!
//! ```sh
//! cargo run -p io --bin io-serve -- chat --port 7000
//! nc 127.0.0.1 7000        # in two or three other terminals
//! ```
//!
//! It serves until Ctrl-C (SIGINT) or SIGTERM, then shuts down gracefully:
//! the chat server tells every client it is going away, and waits for each
//! connection's task to end. A second signal stops it at once.
//!
//! Everything it prints is printed by a thread of its own, never by the
//! runtime's nor on the way out: once stdout is a pipe nobody reads, a
//! `println!` blocks until someone does, and on the runtime's thread it
//! would stop every connection and the Ctrl-C handler with it.

// The examples' own files: `serve` is what runs here; their `run` and
// scripted clients are the section binary's.
#[allow(dead_code)]
#[path = "../chat_server.rs"]
mod chat_server;
#[allow(dead_code)]
#[path = "../echo_server.rs"]
mod echo_server;
#[allow(dead_code)]
#[path = "../line_codec.rs"]
mod line_codec;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

/// Serves the chat, echo or line server of the io section until Ctrl-C or
/// SIGTERM.
///
/// Exit codes: 0 stopped by Ctrl-C or SIGTERM, 1 it could not serve (the
/// port is taken) or a second signal cut its connections off, 2 a usage
/// mistake.
#[derive(clap::Parser)]
#[command(bin_name = "cargo run -p io --bin io-serve --")]
struct Args {
    /// Which server: chat, echo or line (line_codec's upper-casing).
    server: Server,
    /// The port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 7000)]
    port: u16,
    /// The IP address to listen on.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    host: IpAddr,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Server {
    Chat,
    Echo,
    Line,
}

/// How many lines may wait for the printing thread; past that, a line is
/// dropped and counted.
const LOG_BACKLOG: usize = 1024;
/// How long the exit waits for the lines still waiting to be printed.
const LOG_EXIT_WAIT: Duration = Duration::from_secs(1);

/// The way to the printing thread: taken, and so closed, at the exit.
static LOG: Mutex<Option<SyncSender<String>>> = Mutex::new(None);
/// Lines dropped since the last one printed.
static DROPPED: AtomicU64 = AtomicU64::new(0);

/// The `log` the servers are given: it never waits.
fn log(line: String) {
    let log = LOG.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(lines) = log.as_ref()
        && let Err(TrySendError::Full(_)) = lines.try_send(line)
    {
        DROPPED.fetch_add(1, Ordering::Relaxed);
    }
}

/// Prints the lines as they come, each after the count of those dropped
/// before it, until the channel closes; then the last line, if one came,
/// which no full backlog can drop; then says it is done.
fn print_lines(lines: Receiver<String>, last: Receiver<String>, done: SyncSender<()>) {
    let say_dropped = || {
        let dropped = DROPPED.swap(0, Ordering::Relaxed);
        if dropped > 0 {
            println!("({dropped} lines dropped: stdout was not read)");
        }
    };
    for line in lines {
        say_dropped();
        println!("{line}");
    }
    say_dropped();
    if let Ok(last) = last.try_recv() {
        println!("{last}");
    }
    let _ = done.send(());
}

fn main() -> ExitCode {
    closed_stdout::die_quietly_when_stdout_closes();
    let args: Args = closed_stdout::parse();
    let (server, address) = (args.server, SocketAddr::new(args.host, args.port));
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
    let (lines, printed) = std::sync::mpsc::sync_channel(LOG_BACKLOG);
    let (done, printer_done) = std::sync::mpsc::sync_channel(1);
    let (last_line, last) = std::sync::mpsc::sync_channel(1);
    *LOG.lock().unwrap_or_else(PoisonError::into_inner) = Some(lines);
    let printer = std::thread::Builder::new()
        .name("io-serve log".to_owned())
        .spawn(move || print_lines(printed, last, done));
    if let Err(error) = printer {
        eprintln!("error: cannot start the thread that prints: {error}");
        return ExitCode::FAILURE;
    }
    let (last, exit) = match runtime.block_on(serve(server, address)) {
        Ok(Stopped::Gracefully) => ("shut down".to_owned(), ExitCode::SUCCESS),
        Ok(Stopped::Forced { by }) => (
            format!("a second {by}: stopped at once, cutting off the open connections"),
            ExitCode::FAILURE,
        ),
        Err(error) => {
            eprintln!("error: {error}");
            (String::new(), ExitCode::FAILURE)
        }
    };
    // The connections' tasks are dropped with the runtime.
    drop(runtime);
    // Not through `log`, whose full backlog would drop it: a place of its
    // own, which the printer reads once the lines before it are out.
    if !last.is_empty() {
        let _ = last_line.try_send(last);
    }
    // Closed, so the printer ends once it has printed what is left, which
    // the exit waits for within a bound: stdout may be a pipe nobody reads.
    LOG.lock().unwrap_or_else(PoisonError::into_inner).take();
    let _ = printer_done.recv_timeout(LOG_EXIT_WAIT);
    exit
}

/// How `serve` ended.
enum Stopped {
    /// On Ctrl-C or SIGTERM, every connection ended in its own time.
    Gracefully,
    /// A second signal came while they did: `by` names it.
    Forced { by: &'static str },
}

async fn serve(server: Server, address: SocketAddr) -> std::io::Result<Stopped> {
    let listener = TcpListener::bind(address).await.map_err(|error| {
        std::io::Error::new(error.kind(), format!("cannot listen on {address}: {error}"))
    })?;
    let shutdown = CancellationToken::new();
    let on_first = shutdown.clone();
    let (on_second, forced) = oneshot::channel();
    // Registered here, before the address is printed, so that a signal
    // from whoever read it never meets the default action, which kills the
    // process. (`tokio::signal::ctrl_c()` registers only when first polled.)
    // From here on neither kills it, so the second must stop it.
    let mut signals = StopSignals {
        interrupt: signal(SignalKind::interrupt())?,
        terminate: signal(SignalKind::terminate())?,
    };
    tokio::spawn(async move {
        signals.recv().await;
        on_first.cancel();
        let _ = on_second.send(signals.recv().await);
    });
    // By the printer too: the signals are ours from here on, so a wait for
    // room in stdout on this thread would leave only SIGKILL to stop the
    // server. A closed stdout still ends it, as it ends `cat`, once the
    // printer gets to the line.
    let address = listener.local_addr()?;
    let (ip, port) = (address.ip(), address.port());
    log(format!(
        "listening on {address}; try `nc {ip} {port}`, stop with Ctrl-C"
    ));
    let served = async {
        match server {
            Server::Chat => chat_server::serve(listener, shutdown, log).await,
            Server::Echo => echo_server::serve(listener, shutdown, log).await,
            Server::Line => line_codec::serve(listener, shutdown, log).await,
        }
    };
    tokio::select! {
        served = served => served.map(|()| Stopped::Gracefully),
        Ok(by) = forced => Ok(Stopped::Forced { by }),
    }
}

/// Ctrl-C (SIGINT) and SIGTERM, which `kill`, systemd and Docker send.
struct StopSignals {
    interrupt: Signal,
    terminate: Signal,
}

impl StopSignals {
    /// Waits for the next of either, and names it.
    async fn recv(&mut self) -> &'static str {
        tokio::select! {
            _ = self.interrupt.recv() => "Ctrl-C",
            _ = self.terminate.recv() => "SIGTERM",
        }
    }
}
