//! Guards against a server that never says where it listens: a deadline on
//! its first line.
//!
//! Servers started as processes: the first line they print says where they
//! listen.

use std::io::{self, BufRead as _, BufReader, Read as _};
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
pub fn serve(command: Command) -> io::Result<(Group, String)> {
    start(command, false).map(|(group, first, _rest)| (group, first))
}

/// [`serve`], but what the server prints after its first line is kept,
/// and handed over once it closes its stdout (at its exit, as a rule).
pub fn serve_logged(command: Command) -> io::Result<(Group, String, mpsc::Receiver<String>)> {
    start(command, true)
}

fn start(mut command: Command, keep: bool) -> io::Result<(Group, String, mpsc::Receiver<String>)> {
    command.stdin(Stdio::null()).stdout(Stdio::piped());
    let mut group = spawn(command)?;
    let stdout = group
        .take_stdout()
        .ok_or_else(|| io::Error::other("the server's stdout is not piped"))?;
    let (sender, receiver) = mpsc::channel();
    let (rest_sender, rest) = mpsc::channel();
    std::thread::spawn(move || {
        let mut stdout = BufReader::new(stdout);
        let mut line = String::new();
        let read = stdout.read_line(&mut line).map(|_| line);
        // The starter may have given up; then nobody wants the line.
        let _ = sender.send(read);
        if keep {
            let mut kept = String::new();
            let _ = stdout.read_to_string(&mut kept);
            let _ = rest_sender.send(kept);
        } else {
            let _ = io::copy(&mut stdout, &mut io::sink());
        }
    });
    // Dropping `group` on an error kills the server, which ends the reader.
    match receiver.recv_timeout(STARTUP) {
        Ok(Ok(line)) if !line.is_empty() => Ok((group, line.trim_end().to_owned(), rest)),
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
