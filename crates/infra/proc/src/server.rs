//! Guards against a server that never says where it listens: a deadline on
//! its first line.
//!
//! Servers started as processes: the first line they print says where they
//! listen.

use std::io::{self, BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::group::{Group, spawn};

/// How long a server may take to print the line that says it listens.
pub const STARTUP: Duration = Duration::from_secs(30);

/// Starts a server, `command`, with stdin closed and stdout piped, and
/// returns it with the first line it printed (without the line break). The
/// rest of its stdout is read and thrown away for as long as it runs: a
/// server whose log nobody reads would block on it. A server that prints
/// nothing within [`STARTUP`], or ends first, is killed and is an error.
pub fn serve(mut command: Command) -> io::Result<(Group, String)> {
    command.stdin(Stdio::null()).stdout(Stdio::piped());
    let mut group = spawn(command)?;
    let stdout = group
        .take_stdout()
        .ok_or_else(|| io::Error::other("the server's stdout is not piped"))?;
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut stdout = BufReader::new(stdout);
        let mut line = String::new();
        let read = stdout.read_line(&mut line).map(|_| line);
        // The starter may have given up; then nobody wants the line.
        let _ = sender.send(read);
        let _ = io::copy(&mut stdout, &mut io::sink());
    });
    // Dropping `group` on an error kills the server, which ends the reader.
    match receiver.recv_timeout(STARTUP) {
        Ok(Ok(line)) if !line.is_empty() => Ok((group, line.trim_end().to_owned())),
        Ok(Ok(_)) => Err(io::Error::other(
            "the server ended before it said where it listens",
        )),
        Ok(Err(error)) => Err(error),
        Err(_) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!(
                "the server did not say where it listens within {}s",
                STARTUP.as_secs()
            ),
        )),
    }
}
