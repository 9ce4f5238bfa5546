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

/// Serves the chat, echo or line server of the io section until Ctrl-C.
///
/// Exit codes: 0 stopped by Ctrl-C, 1 it could not serve (the port is taken),
/// 2 a usage mistake.
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
