//! Unix signals as streams: `signal(SignalKind::hangup())` to reload, and
//! `terminate()` to finish up and exit, where asyncio registers callbacks
//! with `loop.add_signal_handler`.
//!
//! It is the counterpart of `loop.add_signal_handler`, which the guides
//! don't use.
//!
//! asyncio calls a callback on the event loop when the signal arrives.
//! Tokio gives a `Signal` whose `recv().await` returns once per delivery, so
//! a signal is one more branch of the `select!` a service already runs,
//! next to its sockets and timers. Deliveries that arrive while nobody is
//! waiting are not lost, but several of them may be merged into one
//! `recv()`, as the kernel merges pending signals of one kind. Nothing
//! records which kind arrived first: `biased;` polls the branches in the
//! order written, so when both are pending the reload is handled before
//! the termination, whichever arrived first.
//!
//! `tokio::signal::ctrl_c()` is the portable one for SIGINT. It registers
//! when it is first polled, so a program that must not meet an early Ctrl-C
//! with the default action registers `signal(SignalKind::interrupt())` up
//! front, as the io section's `io-serve` does (`cargo run -p io --bin
//! io-serve -- chat`, then Ctrl-C). asyncio's `asyncio.run` turns the first Ctrl-C into a
//! cancellation of the main task; Tokio turns it into whatever the program
//! does when `ctrl_c()` completes.
//!
//! Registering a kind replaces the operating system's default action for
//! it for the rest of the process, even after the `Signal` is dropped, as
//! Tokio documents: once this example has run, SIGTERM no longer ends the
//! process it ran in. The example sends the signals to its own process with
//! the `kill` program, which is what `kill -HUP <pid>` from a shell does.

use std::io;

use tokio::process::Command;
use tokio::signal::unix::{SignalKind, signal};

/// `kill -<name> <this process>`.
async fn send_to_self(name: &str) -> io::Result<()> {
    let status = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(std::process::id().to_string())
        .status()
        .await?;
    if status.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!("`kill -{name}` failed: {status}")))
    }
}

pub async fn run() -> io::Result<()> {
    // Registered before anything is sent: a signal sent before its kind is
    // registered gets the default action, which for both is to end the
    // process.
    let mut hangup = signal(SignalKind::hangup())?;
    let mut terminate = signal(SignalKind::terminate())?;

    send_to_self("HUP").await?;
    send_to_self("TERM").await?;

    loop {
        tokio::select! {
            biased;
            Some(()) = hangup.recv() => println!("SIGHUP: reloading the configuration"),
            Some(()) = terminate.recv() => {
                println!("SIGTERM: finishing up and exiting");
                break;
            }
        }
    }
    Ok(())
}
