//! Unix signals as streams: `signal(SignalKind::hangup())` to reload, and
//! `terminate()` to finish up and exit, where asyncio registers callbacks
//! with `loop.add_signal_handler`.
//!
//! A `Signal`'s `recv().await` returns after a delivery, so a signal is one
//! more branch of a service's `select!`; a delivery while nobody waits is
//! kept, and several close together may come back as one (Tokio documents
//! that it coalesces them: it keeps a flag per signal, not a count). `ctrl_c()` registers only when
//! first polled: `io-serve` registers SIGINT up front so an early Ctrl-C
//! doesn't kill it. Registering replaces a signal's default action for the
//! rest of the process. The example signals itself with `kill`.

use std::io;

use tokio::process::Command;
use tokio::signal::unix::{SignalKind, signal};

/// `kill -<name> <this process>`.
async fn send_to_self(name: &str) -> io::Result<()> {
    let status = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(std::process::id().to_string())
        .status()
        .await
        // The system's error ("No such file or directory") names no program;
        // it may come from starting `kill` or from waiting for it.
        .map_err(|error| io::Error::new(error.kind(), format!("kill: {error}")))?;
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
