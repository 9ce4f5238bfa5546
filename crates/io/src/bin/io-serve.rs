//! The io section's servers on their own, for real clients such as `nc`:
//!
//! ```sh
//! cargo run -p io --bin io-serve -- chat --port 7000
//! nc 127.0.0.1 7000        # in two or three other terminals
//! ```
//!
//! It serves until Ctrl-C (SIGINT), then shuts down gracefully: the chat
//! server tells every client it is going away, and waits for each
//! connection's task to end.

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

use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};
use tokio_util::sync::CancellationToken;

const SERVER: flags::Positional =
    flags::Positional::required("SERVER", "chat, echo or line (line_codec's upper-casing)");
const PORT: flags::Flag = flags::Flag::value(
    "port",
    "PORT",
    "The port to listen on, from 0 to 65535; 0 picks a free one",
)
.default("7000");
const HOST: flags::Flag =
    flags::Flag::value("host", "ADDRESS", "The IP address to listen on").default("127.0.0.1");

/// The command line, from which the parser and `--help` are both derived.
const COMMAND: flags::Command = flags::Command {
    name: "",
    summary: "",
    about: "Serves the chat, echo or line server of the io section until Ctrl-C.",
    positionals: &[SERVER],
    flags: &[PORT, HOST],
};

const EXIT_CODES: flags::ExitCodes<'static> = &[
    (0, "stopped by Ctrl-C"),
    (1, "it could not serve (the port is taken)"),
    (flags::EXIT_USAGE, flags::USAGE_MISTAKE),
];

fn usage() -> String {
    flags::help("cargo run -p io --bin io-serve --", &COMMAND, EXIT_CODES)
}

#[derive(Clone, Copy)]
enum Server {
    Chat,
    Echo,
    Line,
}

/// Which server, and where; `Ok(None)` for `--help`.
fn parse() -> Result<Option<(Server, SocketAddr)>, String> {
    let mut parser = lexopt::Parser::from_env();
    let args = match flags::parse(&COMMAND, &mut parser).map_err(|error| error.0)? {
        flags::Parsed::Help => return Ok(None),
        flags::Parsed::Args(args) => args,
    };
    let server = match args
        .positional(&SERVER)
        .map_err(|error| error.0)?
        .as_deref()
    {
        Some("chat") => Server::Chat,
        Some("echo") => Server::Echo,
        Some("line") => Server::Line,
        Some(other) => return Err(format!("no server `{other}`: choose chat, echo or line")),
        None => return Err("which server: chat, echo or line?".to_owned()),
    };
    let port = match args.value(&PORT).map_err(|error| error.0)? {
        None => 7000,
        Some(value) => value
            .parse()
            .map_err(|_| format!("`--port {value}`: expected a port number from 0 to 65535"))?,
    };
    let host = match args.value(&HOST).map_err(|error| error.0)? {
        None => IpAddr::V4(Ipv4Addr::LOCALHOST),
        Some(value) => value
            .parse()
            .map_err(|_| format!("`--host {value}`: expected an IP address"))?,
    };
    Ok(Some((server, SocketAddr::new(host, port))))
}

fn main() -> ExitCode {
    closed_stdout::die_quietly_when_stdout_closes();
    let (server, address) = match parse() {
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
    match runtime.block_on(serve(server, address)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(server: Server, address: SocketAddr) -> std::io::Result<()> {
    let listener = TcpListener::bind(address).await.map_err(|error| {
        std::io::Error::new(error.kind(), format!("cannot listen on {address}: {error}"))
    })?;
    let shutdown = CancellationToken::new();
    let on_ctrl_c = shutdown.clone();
    // Registered here, before the address is printed, so that a Ctrl-C
    // from whoever read it never meets the default action, which kills the
    // process. (`tokio::signal::ctrl_c()` registers only when first polled.)
    let mut interrupt = signal(SignalKind::interrupt())?;
    tokio::spawn(async move {
        interrupt.recv().await;
        on_ctrl_c.cancel();
    });
    println!(
        "listening on {}; try `nc {} {}`, stop with Ctrl-C",
        listener.local_addr()?,
        listener.local_addr()?.ip(),
        listener.local_addr()?.port()
    );
    std::io::stdout().flush()?;
    match server {
        Server::Chat => chat_server::serve(listener, shutdown).await?,
        Server::Echo => echo_server::serve(listener, shutdown).await?,
        Server::Line => line_codec::serve(listener, shutdown).await?,
    }
    println!("shut down");
    Ok(())
}
