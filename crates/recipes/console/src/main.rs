//! A service whose tasks you can watch while it runs: tokio-console shows
//! each task live, and `tracing` spans go to stdout, with or without it.
//! README.md says what to add to your own service, what the console shows
//! and what it costs.
//!
//! The service: a producer queues a job every 200 ms, three workers take
//! them, each job waits on "I/O" (a sleep) and runs a blocking step on
//! `spawn_blocking`, and one task waits for a reply that never comes, as a
//! stuck task would. `cargo run -- 10` stops it after 10 s; with no
//! argument it runs until Ctrl-C or SIGTERM.

use std::error::Error;
use std::io::IsTerminal as _;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use tokio::signal::unix::SignalKind;
use tokio::sync::{Mutex, mpsc, oneshot};
use tokio::task::JoinSet;
use tracing::{info, instrument};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::prelude::*;

/// Spans and events to stdout, filtered by `RUST_LOG` (default `info`), each
/// span's busy and idle time printed when it closes, in colour only on a
/// terminal; and with the `console` feature, tokio-console's layer, which
/// needs every span Tokio makes and so has no filter of the stdout one.
fn telemetry() -> Result<(), String> {
    let stdout = tracing_subscriber::fmt::layer()
        .with_ansi(std::io::stdout().is_terminal())
        .with_span_events(FmtSpan::CLOSE)
        .with_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()));
    let registry = tracing_subscriber::registry().with(stdout);
    // Serves the console from a thread and runtime of its own. The address
    // is checked before `with_default_env` reads it.
    #[cfg(feature = "console")]
    let registry = {
        let address = console_address()?;
        let console = console_subscriber::ConsoleLayer::builder().with_default_env();
        registry.with(console.server_addr(address).spawn())
    };
    registry.init();
    Ok(())
}

/// Where the console is served: 127.0.0.1:6669, or `TOKIO_CONSOLE_BIND`.
/// console-subscriber panics, on its own thread, on an address it can't
/// read or bind; both are tried here first, for an error that says which.
/// (Another program could still take the port between this bind and the
/// console's.)
#[cfg(feature = "console")]
fn console_address() -> Result<std::net::SocketAddr, String> {
    use std::net::ToSocketAddrs as _;

    let bind = std::env::var("TOKIO_CONSOLE_BIND").unwrap_or_else(|_| "127.0.0.1:6669".into());
    let address = bind
        .to_socket_addrs()
        .ok()
        .and_then(|mut addresses| addresses.next())
        .ok_or_else(|| {
            format!("TOKIO_CONSOLE_BIND is a HOST:PORT, such as localhost:4321, not `{bind}`")
        })?;
    std::net::TcpListener::bind(address).map_err(|error| {
        format!("tokio-console can't be served on {address}: {error}; TOKIO_CONSOLE_BIND moves it")
    })?;
    Ok(address)
}

/// One job: a wait on the network, then a blocking step.
#[instrument(skip(id), fields(job = id))]
async fn handle(id: u64) -> Result<u64, tokio::task::JoinError> {
    tokio::time::sleep(Duration::from_millis(150)).await;
    // A blocking step belongs on the blocking pool: the console shows it as
    // a task of its own, of kind "blocking".
    tokio::task::spawn_blocking(move || {
        std::thread::sleep(Duration::from_millis(20));
        id * 2
    })
    .await
}

/// Queues a job every 200 ms until the receiving side is gone.
async fn produce(jobs: mpsc::Sender<u64>) {
    let mut every = tokio::time::interval(Duration::from_millis(200));
    for id in 0.. {
        every.tick().await;
        if jobs.send(id).await.is_err() {
            return;
        }
    }
}

/// Takes jobs until the queue closes.
async fn work(queue: Arc<Mutex<mpsc::Receiver<u64>>>) {
    loop {
        // The lock is let go at the `;`, before the job runs.
        let Some(id) = queue.lock().await.recv().await else {
            return;
        };
        match handle(id).await {
            Ok(result) => info!(id, result, "done"),
            Err(error) => info!(id, %error, "failed"),
        }
    }
}

/// Waits for a reply whose sender is kept and never used: the console
/// shows it idle, never woken, for as long as the service runs.
async fn wait_for_reply(reply: oneshot::Receiver<u64>) {
    let _ = reply.await;
}

const USAGE: &str = "usage: console-recipe [SECONDS]  (without SECONDS: until Ctrl-C)";

/// What the command line asks for.
enum Args {
    /// Serve for this long, or, without it, until Ctrl-C.
    Serve(Option<Duration>),
    Help,
}

fn args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let secs = match (args.next(), args.next()) {
        (None, _) => return Ok(Args::Serve(None)),
        (Some(help), None) if help == "-h" || help == "--help" => return Ok(Args::Help),
        (Some(secs), None) => secs,
        (Some(_), Some(extra)) => return Err(format!("unexpected argument `{extra}`")),
    };
    match secs.parse() {
        Ok(secs) => Ok(Args::Serve(Some(Duration::from_secs(secs)))),
        Err(error) => Err(format!("SECONDS is a whole number, not `{secs}` ({error})")),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let run_for = match args() {
        Ok(Args::Serve(run_for)) => run_for,
        Ok(Args::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(why) => {
            eprintln!("error: {why}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if let Err(why) = telemetry() {
        eprintln!("error: {why}");
        return ExitCode::FAILURE;
    }
    match serve(run_for).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(run_for: Option<Duration>) -> Result<(), Box<dyn Error + Send + Sync>> {
    // SIGTERM, what a service manager sends, stops it as Ctrl-C does;
    // caught from before the first task runs.
    let mut terminate = tokio::signal::unix::signal(SignalKind::terminate())?;
    let (jobs, queue) = mpsc::channel::<u64>(16);
    let queue = Arc::new(Mutex::new(queue));
    let (_never_sent, reply) = oneshot::channel();

    // Named tasks: the console's "Name" column (`build_task` is one of
    // tokio_unstable's APIs; a task spawned plainly shows its location only).
    let mut tasks = JoinSet::new();
    tasks.build_task().name("producer").spawn(produce(jobs))?;
    for n in 1..=3 {
        let name = format!("worker {n}");
        tasks
            .build_task()
            .name(&name)
            .spawn(work(Arc::clone(&queue)))?;
    }
    tasks
        .build_task()
        .name("stuck")
        .spawn(wait_for_reply(reply))?;

    let stop = async {
        match run_for {
            Some(time) => tokio::time::sleep(time).await,
            None => tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            },
        }
    };
    tokio::select! {
        () = stop => info!("stopping"),
        Some(ended) = tasks.join_next() => info!(?ended, "a task ended early"),
    }
    // Aborts every task in the set, and waits until each has ended.
    tasks.shutdown().await;
    Ok(())
}
