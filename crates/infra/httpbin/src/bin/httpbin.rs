//! What a learner runs to serve the local httpbin on its own:
//! `cargo run -p httpbin -- [--port PORT]`.

use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory, FromArgMatches, Parser};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

const ABOUT: &str = "Serves the project's httpbin-compatible server on 127.0.0.1 until Ctrl-C or \
    SIGTERM. Point a section at it with\n\n  cargo run -p real-world -- --base-url \
    http://127.0.0.1:PORT";

#[derive(Parser)]
#[command(bin_name = "cargo run -p httpbin --", disable_version_flag = true, about = ABOUT)]
struct Flags {
    /// The port to listen on; 0 picks a free one
    #[arg(long, default_value_t = 8080)]
    port: u16,
}

#[tokio::main]
async fn main() -> ExitCode {
    closed_stdout::die_quietly_when_stdout_closes();
    let routes = format!(
        "Its routes (any other path is a 404 that lists them):\n\n{}\n\n\
         Exit codes: 0 stopped by Ctrl-C or SIGTERM, 1 it could not serve (the port is taken, \
         or with --port 0 it could not print the port), 2 a usage mistake",
        httpbin::route_list().trim_end()
    );
    // A usage mistake wins over `--help` wherever each stands.
    let parsed = closed_stdout::parse_with(std::env::args_os(), |args| {
        let matches = Flags::command()
            .after_help(&routes)
            .try_get_matches_from(args)?;
        Flags::from_arg_matches(&matches)
    });
    let flags = parsed.unwrap_or_else(|error| closed_stdout::exit(&error));
    match serve(flags.port).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            say(format!("error: {error}")).await;
            ExitCode::FAILURE
        }
    }
}

async fn serve(port: u16) -> Result<(), String> {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|error| format!("cannot listen on {address}: {error}"))?;
    let address = listener
        .local_addr()
        .map_err(|error| format!("cannot read the listening address: {error}"))?;
    // Registered before the address is printed, so that a Ctrl-C, or the
    // SIGTERM that `kill`, systemd and Docker send, from whoever read it
    // never meets the default action, which kills the process.
    // (`tokio::signal::ctrl_c()` registers only when first polled.)
    let mut interrupt = signal(SignalKind::interrupt())
        .map_err(|error| format!("cannot watch for Ctrl-C: {error}"))?;
    let mut terminate = signal(SignalKind::terminate())
        .map_err(|error| format!("cannot watch for SIGTERM: {error}"))?;
    // Written by a thread of its own: the signals are ours from here on, and
    // a wait for room in stdout (a pipe nobody reads) on the runtime's
    // threads would leave only SIGKILL to stop the server. On the port it
    // was given, the server is useful whether or not anyone reads this line,
    // so a stdout that takes no more (`> /dev/full`) does not stop it; on
    // one the system chose (`--port 0`), the line is the only way to learn
    // where it serves.
    let line = format!("httpbin listening on {}\n", httpbin::base_url(address));
    let (said, announced) = oneshot::channel();
    std::thread::Builder::new()
        .name("address".to_owned())
        .spawn(move || {
            let written = std::io::stdout().lock().write_all(line.as_bytes());
            let _ = said.send(written);
        })
        .map_err(|error| format!("cannot start the thread that prints: {error}"))?;
    let shutdown = CancellationToken::new();
    let server = httpbin::serve(
        listener,
        httpbin::app(),
        httpbin::Limits::STANDALONE,
        shutdown.clone(),
    );
    tokio::pin!(server);
    let stopped_by = tokio::select! {
        () = &mut server => return Ok(()),
        Ok(Err(error)) = announced, if port == 0 => {
            return Err(format!("cannot say which port the system chose: {error}"));
        }
        _ = interrupt.recv() => "Ctrl-C",
        _ = terminate.recv() => "SIGTERM",
    };
    shutdown.cancel();
    // A graceful shutdown lets each connection finish the request it is on,
    // which the limits bound; after the grace period, the runtime's end
    // drops whatever is left.
    if tokio::time::timeout(GRACE_PERIOD, server).await.is_err() {
        say(format!(
            "httpbin: connections still open {} s after {stopped_by}; closing them",
            GRACE_PERIOD.as_secs()
        ))
        .await;
    }
    Ok(())
}

/// Writes `line` on stderr from a thread of its own, and waits for it at
/// most `SAY_WAIT`: a stderr pipe nobody reads holds a write for ever, and
/// on the runtime's thread it held the exit, the signals already httpbin's.
async fn say(line: String) {
    let (said, heard) = oneshot::channel();
    let writer = std::thread::Builder::new()
        .name("stderr".to_owned())
        .spawn(move || {
            let _ = writeln!(std::io::stderr(), "{line}");
            let _ = said.send(());
        });
    if writer.is_ok() {
        let _ = tokio::time::timeout(SAY_WAIT, heard).await;
    }
}

/// How long the exit waits for a line on stderr.
const SAY_WAIT: Duration = Duration::from_secs(1);

/// How long open connections get to finish after Ctrl-C or SIGTERM.
const GRACE_PERIOD: Duration = Duration::from_secs(1);
