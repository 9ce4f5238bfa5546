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

const USAGE: &str =
    "Usage: cargo run -p io --bin io-serve -- <chat|echo|line> [--port PORT] [--host ADDRESS]

Serves the chat, echo or line (line_codec's upper-casing) server of the io
section until Ctrl-C.
--port is 7000 by default, and 0 picks a free one; --host is 127.0.0.1.";

#[derive(Clone, Copy)]
enum Server {
    Chat,
    Echo,
    Line,
}

fn parse() -> Result<(Server, SocketAddr), String> {
    use lexopt::prelude::*;

    let mut parser = lexopt::Parser::from_env();
    let mut server = None;
    let mut port: u16 = 7000;
    let mut host = IpAddr::V4(Ipv4Addr::LOCALHOST);
    while let Some(arg) = parser.next().map_err(|error| error.to_string())? {
        match arg {
            Long("port") => {
                let value = parser.value().map_err(|error| error.to_string())?;
                let value = value.to_string_lossy();
                port = value
                    .parse()
                    .map_err(|_| format!("--port `{value}` is not a port number (0 to 65535)"))?;
            }
            Long("host") => {
                let value = parser.value().map_err(|error| error.to_string())?;
                let value = value.to_string_lossy();
                host = value
                    .parse()
                    .map_err(|_| format!("--host `{value}` is not an IP address"))?;
            }
            Long("help") | Short('h') => return Err(String::new()),
            Value(value) if server.is_none() => {
                server = Some(match value.to_string_lossy().as_ref() {
                    "chat" => Server::Chat,
                    "echo" => Server::Echo,
                    "line" => Server::Line,
                    other => {
                        return Err(format!("no server `{other}`: choose chat, echo or line"));
                    }
                });
            }
            other => return Err(other.unexpected().to_string()),
        }
    }
    let server = server.ok_or("which server: chat, echo or line?")?;
    Ok((server, SocketAddr::new(host, port)))
}

fn main() -> ExitCode {
    closed_stdout::die_quietly_when_stdout_closes();
    let (server, address) = match parse() {
        Ok(parsed) => parsed,
        Err(error) if error.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("error: {error}\n\n{USAGE}");
            return ExitCode::from(2);
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
