//! `cargo run -p httpbin -- [--port PORT]`: serve the local httpbin on its own.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

const USAGE: &str = "Usage: cargo run -p httpbin -- [--port PORT]

Serves the project's httpbin-compatible server on 127.0.0.1 until Ctrl-C.
PORT defaults to 8080; 0 picks a free one. Point a section at it with
  cargo run -p real-world -- --base-url http://127.0.0.1:PORT
";

fn main() -> ExitCode {
    let port = match parse_port(std::env::args().skip(1)) {
        Ok(Some(port)) => port,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start a Tokio runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(port)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// `Ok(None)` means `--help`.
fn parse_port(mut args: impl Iterator<Item = String>) -> Result<Option<u16>, String> {
    let mut port = 8080;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--port" => {
                let value = args.next().ok_or("`--port` needs a number")?;
                port = value.parse().map_err(|_| {
                    format!("`--port {value}`: expected a port number from 0 to 65535")
                })?;
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(Some(port))
}

async fn serve(port: u16) -> Result<(), String> {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|error| format!("cannot listen on {address}: {error}"))?;
    let address = listener
        .local_addr()
        .map_err(|error| format!("cannot read the listening address: {error}"))?;
    println!("httpbin listening on {}", httpbin::base_url(address));
    axum::serve(httpbin::without_nagle(listener), httpbin::app())
        .with_graceful_shutdown(async {
            // If Ctrl-C cannot be watched, keep serving until killed.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
        .await
        .map_err(|error| format!("server error: {error}"))
}
