//! The graceful_shutdown recipe's server on its own, for a real Ctrl-C:
//!
//! ```sh
//! cargo run -p recipes --bin graceful-server -- --port 7000
//! nc 127.0.0.1 7000        # in another terminal; type 3000 for 3 s of work
//! ```
//!
//! It serves until Ctrl-C or SIGTERM, lets the work in flight finish for up
//! to `--grace` seconds, and stops at once on a second signal. This `main`
//! is the recipe's `serve` as a program of your own calls it, with a `log`
//! that never blocks: a thread of its own prints the errors, and past
//! `LOG_BACKLOG` waiting lines drops and counts them, since a pipe nobody
//! reads would otherwise stop the runtime in an `eprintln!`.

// The example's own file: `serve` is what runs here; its `run` and
// scripted clients are the section binary's.
#[allow(dead_code)]
#[path = "../graceful_shutdown.rs"]
mod graceful_shutdown;

use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use graceful_shutdown::{ShutdownSignals, serve};
use tokio::net::TcpListener;

/// Serves the graceful_shutdown recipe's server on 127.0.0.1 until Ctrl-C or SIGTERM.
///
/// Exit codes: 0 stopped by a signal, every connection finished; 1 it could
/// not serve, or it stopped with connections cut off; 2 a usage mistake.
#[derive(clap::Parser)]
#[command(bin_name = "cargo run -p recipes --bin graceful-server --")]
struct Args {
    /// The port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 7000)]
    port: u16,
    /// Seconds the work in flight may go on after the first signal, up to 3600.
    #[arg(long, default_value = "5", value_parser = grace, allow_hyphen_values = true)]
    grace: Duration,
}

fn grace(value: &str) -> Result<Duration, String> {
    value
        .parse()
        .ok()
        .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
        .filter(|grace| *grace <= Duration::from_secs(3600))
        .ok_or_else(|| "expected seconds, from 0 to 3600".to_owned())
}

/// How many error lines may wait for the printing thread.
const LOG_BACKLOG: usize = 1024;
/// How long the exit waits for the lines still waiting to be printed.
const LOG_EXIT_WAIT: Duration = Duration::from_secs(1);

/// The way to the printing thread: taken, and so closed, at the exit.
static LOG: Mutex<Option<SyncSender<String>>> = Mutex::new(None);
/// Lines dropped since the last one printed.
static DROPPED: AtomicU64 = AtomicU64::new(0);

/// The `log` the server is given: it never waits.
fn log(line: String) {
    let log = LOG.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(lines) = log.as_ref()
        && let Err(TrySendError::Full(_)) = lines.try_send(line)
    {
        DROPPED.fetch_add(1, Ordering::Relaxed);
    }
}

/// Prints the lines to stderr as they come, each after the count of those
/// dropped before it, until the channel closes; then says it is done.
fn print_lines(lines: Receiver<String>, done: SyncSender<()>) {
    let say_dropped = || {
        let dropped = DROPPED.swap(0, Ordering::Relaxed);
        if dropped > 0 {
            eprintln!("({dropped} lines dropped: stderr was not read)");
        }
    };
    for line in lines {
        say_dropped();
        eprintln!("{line}");
    }
    say_dropped();
    let _ = done.send(());
}

fn main() -> ExitCode {
    closed_stdout::die_quietly_when_stdout_closes();
    let Args { port, grace } = closed_stdout::parse();
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
    *LOG.lock().unwrap_or_else(PoisonError::into_inner) = Some(lines);
    let printer = std::thread::Builder::new()
        .name("graceful-server log".to_owned())
        .spawn(move || print_lines(printed, done));
    if let Err(error) = printer {
        eprintln!("error: cannot start the thread that prints: {error}");
        return ExitCode::FAILURE;
    }
    let exit = match runtime.block_on(serve_on(port, grace)) {
        Ok(exit_code) => exit_code,
        Err(error) => {
            log(format!("error: {error}"));
            ExitCode::FAILURE
        }
    };
    // The connections' tasks are dropped with the runtime; then the printer
    // is closed, and given a bounded time to print what is left.
    drop(runtime);
    LOG.lock().unwrap_or_else(PoisonError::into_inner).take();
    let _ = printer_done.recv_timeout(LOG_EXIT_WAIT);
    exit
}

async fn serve_on(port: u16, grace: Duration) -> std::io::Result<ExitCode> {
    // Before the address is printed: whoever reads it may send a signal.
    let mut signals = ShutdownSignals::listen()?;
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let listener = TcpListener::bind(address).await.map_err(|error| {
        std::io::Error::new(error.kind(), format!("cannot listen on {address}: {error}"))
    })?;
    println!("listening on {}; stop with Ctrl-C", listener.local_addr()?);
    std::io::stdout().flush()?;
    let stopped = serve(listener, &mut signals, grace, log).await;
    println!("{stopped}");
    Ok(ExitCode::from(stopped.exit_status()))
}
