//! A child process with a time limit: its output read while it runs, up to a
//! limit, and a child that runs too long killed and reaped.
//!
//! In asyncio: `wait_for(proc.communicate(), timeout)`, then `proc.kill()`
//! and `await proc.wait()`. The timeout alone cancels only the waiting, in
//! both languages: the second part of `run` shows a child running on after
//! its wait timed out. Here `run_with_timeout` reads stdout and stderr while
//! it waits, and kills and reaps a child past its limit.
//!
//! What not to undo when you copy it:
//! - The kill after the timeout, and its `.await`, which reaps the child.
//! - `kill_on_drop(true)`: a dropped future kills the child too.
//! - Reading both pipes while waiting, keeping `MAX_OUTPUT` of each: a child
//!   that fills a pipe never exits.
//! - `Stdio::null()` for stdin, or the child reads your terminal.

use std::io;
use std::os::unix::process::ExitStatusExt;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::{Child, Command};
use tokio::time::{Instant, timeout};

/// The most of each of stdout and stderr that is kept.
const MAX_OUTPUT: u64 = 64 * 1024;

/// What a child printed, and how it ended.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot start {program}")]
    Start { program: String, source: io::Error },
    #[error("no result within {limit:?}; {}", ending(*killed, *status))]
    TimedOut {
        limit: Duration,
        /// Whether it was still running, and so killed. A child that had
        /// exited may have left a process of its own holding its output.
        killed: bool,
        status: ExitStatus,
    },
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Runs `command` to its end, for at most `limit`. A kill reaches the child
/// only: to stop what it started, give it a process group
/// (`process_group(0)`) and signal the group.
pub async fn run_with_timeout(mut command: Command, limit: Duration) -> Result<Finished, RunError> {
    let mut child = spawn(
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true),
    )?;
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let outcome = timeout(limit, async {
        tokio::try_join!(read_some(stdout), read_some(stderr), child.wait())
    })
    .await;
    match outcome {
        Ok(finished) => {
            let (stdout, stderr, status) = finished?;
            Ok(Finished {
                status,
                stdout,
                stderr,
            })
        }
        Err(_elapsed) => {
            let killed = child.try_wait()?.is_none();
            if killed {
                child.kill().await?;
            }
            let status = child.wait().await?;
            Err(RunError::TimedOut {
                limit,
                killed,
                status,
            })
        }
    }
}

/// `command.spawn()`, with an error that names the program: the system's
/// ("No such file or directory") names none.
fn spawn(command: &mut Command) -> Result<Child, RunError> {
    command.spawn().map_err(|source| RunError::Start {
        program: command
            .as_std()
            .get_program()
            .to_string_lossy()
            .into_owned(),
        source,
    })
}

/// Up to `MAX_OUTPUT` bytes of `pipe`; the rest is read to its end and
/// thrown away.
async fn read_some(pipe: Option<impl AsyncRead + Unpin>) -> io::Result<Vec<u8>> {
    let mut kept = Vec::new();
    if let Some(mut pipe) = pipe {
        (&mut pipe).take(MAX_OUTPUT).read_to_end(&mut kept).await?;
        tokio::io::copy(&mut pipe, &mut tokio::io::sink()).await?;
    }
    Ok(kept)
}

/// How a child that timed out ended.
fn ending(killed: bool, status: ExitStatus) -> String {
    if killed {
        format!("killed, it ended with {}", describe(status))
    } else {
        format!(
            "it had ended with {}, but a process it started still held its output",
            describe(status)
        )
    }
}

/// The error and each of its sources, joined with ": ".
fn report(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(source) = cause {
        text = format!("{text}: {source}");
        cause = source.source();
    }
    text
}

/// An exit status as a person would say it.
fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(9)) => "signal 9 (SIGKILL)".to_owned(),
        (None, Some(signal)) => format!("signal {signal}"),
        (None, None) => "no exit code".to_owned(),
    }
}

pub async fn run() -> anyhow::Result<()> {
    // A child that outlives its limit: killed and reaped.
    let start = Instant::now();
    let mut sleeper = Command::new("sleep");
    sleeper.arg("10");
    match run_with_timeout(sleeper, Duration::from_secs(1)).await {
        Err(error @ RunError::TimedOut { .. }) => println!(
            "sleep 10: {error} (at {:.1}s)",
            start.elapsed().as_secs_f64()
        ),
        Ok(Finished {
            status,
            stdout,
            stderr,
        }) => anyhow::bail!(
            "sleep 10 was meant to time out, but ended with {} after {} bytes of output \
             and {} of errors",
            describe(status),
            stdout.len(),
            stderr.len()
        ),
        Err(error) => return Err(error.into()),
    }

    // What a timeout does to a child by itself: nothing. It ends the wait.
    let mut child = spawn(Command::new("sleep").arg("10").kill_on_drop(true))?;
    if timeout(Duration::from_secs(1), child.wait()).await.is_ok() {
        anyhow::bail!("sleep 10 ended within a second");
    }
    let after_timeout = match child.try_wait()? {
        None => "still running".to_owned(),
        Some(status) => describe(status),
    };
    println!("a plain timeout on wait(): afterwards the child is {after_timeout}");
    child.kill().await?;
    println!("then kill(): {}", describe(child.wait().await?));

    // A program that can't be started.
    match run_with_timeout(Command::new("no-such-program"), Duration::from_secs(1)).await {
        Err(error @ RunError::Start { .. }) => println!("{}", report(&error)),
        other => anyhow::bail!("no-such-program was meant not to start: {other:?}"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_child_that_ends_in_time_gives_its_output_and_status() {
        let mut command = Command::new("sh");
        command.args(["-c", "echo out; echo err >&2; exit 3"]);
        let finished = run_with_timeout(command, Duration::from_secs(10))
            .await
            .unwrap();
        assert_eq!(finished.stdout, b"out\n");
        assert_eq!(finished.stderr, b"err\n");
        assert_eq!(finished.status.code(), Some(3));
    }

    #[tokio::test]
    async fn output_past_the_limit_is_read_and_dropped() {
        let mut command = Command::new("head");
        command.args(["-c", "1000000", "/dev/zero"]);
        let finished = run_with_timeout(command, Duration::from_secs(10))
            .await
            .unwrap();
        assert_eq!(finished.stdout.len() as u64, MAX_OUTPUT);
        assert!(finished.status.success());
    }

    /// The reason a program can't start is the error's source, and is
    /// printed once.
    #[tokio::test]
    async fn a_program_that_cannot_start_says_why_once() {
        let outcome = run_with_timeout(Command::new("no-such-program"), Duration::from_secs(1));
        let error = outcome.await.unwrap_err();
        assert_eq!(
            report(&error),
            "cannot start no-such-program: No such file or directory (os error 2)"
        );
    }

    #[tokio::test]
    async fn a_child_that_ended_is_not_said_to_be_killed() {
        // The shell exits at once; the `sleep` it leaves holds the pipes
        // until the test kills it, so the limit is reached however late it
        // comes. The limit only has to come after the shell has exited:
        // ten seconds, even on a busy machine.
        let seconds = format!("{}.{}", 60, std::process::id());
        let mut command = Command::new("sh");
        command.args(["-c", &format!("sleep {seconds} & echo started")]);
        let outcome = run_with_timeout(command, Duration::from_secs(10)).await;
        let sleeper = format!("sleep\0{seconds}\0").into_bytes();
        if let Some(pid) = process(&sleeper) {
            let _ = std::process::Command::new("kill").arg(pid).status();
        }
        let Err(RunError::TimedOut { killed, status, .. }) = outcome else {
            panic!("not a timeout: {outcome:?}");
        };
        assert!(!killed);
        assert!(status.success(), "{status}");
    }

    /// The id of a live process with this command line; a killed one, even
    /// before it is reaped, has an empty one.
    fn process(cmdline: &[u8]) -> Option<String> {
        let entries = std::fs::read_dir("/proc").unwrap().flatten();
        let mut found = entries.filter(|entry| {
            std::fs::read(entry.path().join("cmdline")).is_ok_and(|found| found == cmdline)
        });
        found
            .next()
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
    }

    fn running(cmdline: &[u8]) -> bool {
        process(cmdline).is_some()
    }

    #[tokio::test]
    async fn dropping_the_future_kills_the_child() {
        // A length of sleep no other process is likely to have.
        let seconds = format!("{}.{}", 30, std::process::id());
        let cmdline = format!("sleep\0{seconds}\0").into_bytes();
        let mut command = Command::new("sleep");
        command.arg(&seconds);
        let mut running_future = Box::pin(run_with_timeout(command, Duration::from_secs(60)));
        // Poll it until the child has started, then drop it.
        let started = Instant::now();
        while !running(&cmdline) {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the child never started"
            );
            let _ = timeout(Duration::from_millis(10), &mut running_future).await;
        }
        drop(running_future);
        let dropped = Instant::now();
        while running(&cmdline) {
            assert!(
                dropped.elapsed() < Duration::from_secs(30),
                "the child outlived the drop"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}
