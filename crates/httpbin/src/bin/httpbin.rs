//! `cargo run -p httpbin -- [--port PORT]`: serve the local httpbin on its own.

use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

const PORT: flags::Flag = flags::Flag::value(
    "port",
    "PORT",
    "The port to listen on, from 0 to 65535; 0 picks a free one",
)
.default("8080");

/// The command line, from which the parser and `--help` are both derived.
/// `--help` lists the routes too, from `httpbin::ROUTES`.
fn command(about: &str) -> flags::Command<'_> {
    flags::Command {
        name: "",
        summary: "",
        about,
        positionals: &[],
        flags: &[PORT],
    }
}

const ABOUT: &str =
    "Serves the project's httpbin-compatible server on 127.0.0.1 until Ctrl-C. Point a \
                     section at it with

  cargo run -p real-world -- --base-url http://127.0.0.1:PORT

Its routes (any other path is a 404 that lists them):";

const EXIT_CODES: flags::ExitCodes<'static> = &[
    (0, "stopped by Ctrl-C"),
    (1, "it could not serve (the port is taken)"),
    (flags::EXIT_USAGE, flags::USAGE_MISTAKE),
];

fn usage() -> String {
    let about = format!("{ABOUT}\n\n{}", httpbin::route_list());
    flags::help("cargo run -p httpbin --", &command(&about), EXIT_CODES)
}

fn main() -> ExitCode {
    closed_stdout::die_quietly_when_stdout_closes();
    let port = match parse_port(std::env::args_os().skip(1)) {
        Ok(Some(port)) => port,
        Ok(None) => {
            print!("{}", usage());
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n\n{}", usage());
            return ExitCode::from(flags::EXIT_USAGE);
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

/// The port to serve on, or `Ok(None)` for `--help`.
fn parse_port(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<Option<u16>, String> {
    let mut parser = lexopt::Parser::from_args(args);
    let args = match flags::parse(&command(ABOUT), &mut parser).map_err(|error| error.0)? {
        flags::Parsed::Help => return Ok(None),
        flags::Parsed::Args(args) => args,
    };
    let Some(value) = args.value(&PORT).map_err(|error| error.0)? else {
        return Ok(Some(8080));
    };
    value
        .parse()
        .map(Some)
        .map_err(|_| format!("`--port {value}`: expected a port number from 0 to 65535"))
}

async fn serve(port: u16) -> Result<(), String> {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|error| format!("cannot listen on {address}: {error}"))?;
    let address = listener
        .local_addr()
        .map_err(|error| format!("cannot read the listening address: {error}"))?;
    // Registered before the address is printed, so that a Ctrl-C from
    // whoever read it never meets the default action, which kills the
    // process. (`tokio::signal::ctrl_c()` registers only when first polled.)
    let mut interrupt = signal(SignalKind::interrupt())
        .map_err(|error| format!("cannot watch for Ctrl-C: {error}"))?;
    // The server is useful whether or not anyone reads this line, so a
    // closed stdout (`| head -0`) does not stop it.
    let _ = writeln!(
        std::io::stdout(),
        "httpbin listening on {}",
        httpbin::base_url(address)
    );
    let (interrupted, mut on_interrupt) = watch::channel(false);
    let server = axum::serve(httpbin::without_nagle(listener), httpbin::app())
        .with_graceful_shutdown(async move {
            interrupt.recv().await;
            let _ = interrupted.send(true);
        })
        .into_future();
    // A graceful shutdown waits for every open connection, and a client
    // that never reads its answer would hold one for ever: after the grace
    // period, the runtime's end drops whatever is left.
    let grace_period_over = async {
        if on_interrupt
            .wait_for(|&interrupted| interrupted)
            .await
            .is_ok()
        {
            tokio::time::sleep(GRACE_PERIOD).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        served = server => served.map_err(|error| format!("server error: {error}")),
        () = grace_period_over => {
            eprintln!(
                "httpbin: connections still open {} s after Ctrl-C; closing them",
                GRACE_PERIOD.as_secs()
            );
            Ok(())
        }
    }
}

/// How long open connections get to finish after Ctrl-C.
const GRACE_PERIOD: Duration = Duration::from_secs(1);

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Option<u16>, String> {
        parse_port(args.iter().map(std::ffi::OsString::from))
    }

    #[test]
    fn the_port_is_checked() {
        assert_eq!(parse(&[]), Ok(Some(8080)));
        assert_eq!(parse(&["--port=0"]), Ok(Some(0)));
        assert_eq!(parse(&["--port", "9000"]), Ok(Some(9000)));
        assert_eq!(parse(&["--help"]), Ok(None));
        assert!(parse(&["--help=3"]).is_err());
        for bad in ["70000", "-1", "x", ""] {
            let error = parse(&["--port", bad]).unwrap_err();
            assert!(error.contains("expected a port number"), "{bad}: {error}");
        }
        assert_eq!(
            parse(&["--port"]).unwrap_err(),
            "missing argument for option '--port'"
        );
        assert_eq!(
            parse(&["--verbose"]).unwrap_err(),
            "unknown option `--verbose`\nvalid options: --port, --help"
        );
        assert_eq!(
            parse(&["8080"]).unwrap_err(),
            "the command line takes no argument `8080`"
        );
    }
}
