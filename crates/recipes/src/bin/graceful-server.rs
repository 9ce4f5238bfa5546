//! The graceful_shutdown recipe's server on its own, for a real Ctrl-C:
//!
//! ```sh
//! cargo run -p recipes --bin graceful-server -- --port 7000
//! nc 127.0.0.1 7000        # in another terminal; type 3000 for 3 s of work
//! ```
//!
//! It serves until Ctrl-C or SIGTERM, lets the work in flight finish for up
//! to `--grace` seconds, and stops at once on a second signal. This `main`
//! is the recipe's `serve` as a program of your own calls it.

// The example's own file: `serve` is what runs here; its `run` and
// scripted clients are the section binary's.
#[allow(dead_code)]
#[path = "../graceful_shutdown.rs"]
mod graceful_shutdown;

use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
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
    match runtime.block_on(serve_on(port, grace)) {
        Ok(exit_code) => exit_code,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
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
    let stopped = serve(listener, &mut signals, grace).await;
    println!("{stopped}");
    Ok(ExitCode::from(stopped.exit_status()))
}
