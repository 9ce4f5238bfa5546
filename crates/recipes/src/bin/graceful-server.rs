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

const PORT: flags::Flag = flags::Flag::value(
    "port",
    "PORT",
    "The port to listen on, from 0 to 65535; 0 picks a free one",
)
.default("7000");
const GRACE: flags::Flag = flags::Flag::value(
    "grace",
    "SECONDS",
    "How long the work in flight may go on after the first signal",
)
.default("5");

/// The command line, from which the parser and `--help` are both derived.
const COMMAND: flags::Command = flags::Command {
    name: "",
    summary: "",
    about: "Serves the graceful_shutdown recipe's server on 127.0.0.1 until Ctrl-C or SIGTERM.",
    positionals: &[],
    flags: &[PORT, GRACE],
};

const EXIT_CODES: flags::ExitCodes<'static> = &[
    (0, "stopped by a signal, every connection finished"),
    (
        1,
        "it could not serve, or it stopped with connections cut off",
    ),
    (flags::EXIT_USAGE, flags::USAGE_MISTAKE),
];

fn usage() -> String {
    flags::help(
        "cargo run -p recipes --bin graceful-server --",
        &COMMAND,
        EXIT_CODES,
    )
}

/// The port and the grace period; `Ok(None)` for `--help`.
fn parse() -> Result<Option<(u16, Duration)>, String> {
    let mut parser = lexopt::Parser::from_env();
    let args = match flags::parse(&COMMAND, &mut parser).map_err(|error| error.0)? {
        flags::Parsed::Help => return Ok(None),
        flags::Parsed::Args(args) => args,
    };
    let port = match args.value(&PORT).map_err(|error| error.0)? {
        None => 7000,
        Some(value) => value
            .parse()
            .map_err(|_| format!("`--port {value}`: expected a port number from 0 to 65535"))?,
    };
    let grace = match args.value(&GRACE).map_err(|error| error.0)? {
        None => Duration::from_secs(5),
        Some(value) => value
            .parse()
            .ok()
            .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
            .filter(|grace| *grace <= Duration::from_secs(3600))
            .ok_or_else(|| format!("`--grace {value}`: expected seconds, from 0 to 3600"))?,
    };
    Ok(Some((port, grace)))
}

fn main() -> ExitCode {
    closed_stdout::die_quietly_when_stdout_closes();
    let (port, grace) = match parse() {
        Ok(Some(parsed)) => parsed,
        Ok(None) => {
            print!("{}", usage());
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("error: {error}\n\n{}", usage());
            return ExitCode::from(flags::EXIT_USAGE);
        }
    };
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
