//! Runs a child process to completion or to a deadline, capturing its output.
//!
//! `std` has no `wait` with a timeout, so the parent polls `try_wait` while
//! two threads drain stdout and stderr; without them a chatty child could
//! fill a pipe and block forever.

use std::io::{self, Read};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How a child process ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exit {
    /// It exited with this code.
    Code(i32),
    /// A signal ended it (Unix).
    Signal(i32),
    /// It outlived its timeout and was killed.
    TimedOut,
}

/// Everything a finished child left behind.
#[derive(Clone, Debug)]
pub struct Finished {
    pub exit: Exit,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Finished {
    pub fn success(&self) -> bool {
        self.exit == Exit::Code(0)
    }
}

/// Runs `command` with stdin closed, killing it if it runs past `timeout`.
pub fn run(mut command: Command, timeout: Duration) -> io::Result<Finished> {
    let start = Instant::now();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());

    let exit = wait(&mut child, start + timeout)?;
    let elapsed = start.elapsed();
    Ok(Finished {
        exit,
        stdout: join(stdout)?,
        stderr: join(stderr)?,
        elapsed,
    })
}

fn wait(child: &mut Child, deadline: Instant) -> io::Result<Exit> {
    let mut pause = Duration::from_millis(1);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(match status.code() {
                Some(code) => Exit::Code(code),
                None => Exit::Signal(signal(status)),
            });
        }
        let now = Instant::now();
        if now >= deadline {
            // The child may exit by itself between `try_wait` and `kill`;
            // `kill` then fails harmlessly and `wait` reaps it either way.
            let _ = child.kill();
            child.wait()?;
            return Ok(Exit::TimedOut);
        }
        thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(20));
    }
}

#[cfg(unix)]
fn signal(status: std::process::ExitStatus) -> i32 {
    std::os::unix::process::ExitStatusExt::signal(&status).unwrap_or(-1)
}

#[cfg(not(unix))]
fn signal(_status: std::process::ExitStatus) -> i32 {
    -1
}

type Reader = thread::JoinHandle<io::Result<String>>;

fn drain(pipe: Option<impl Read + Send + 'static>) -> Option<Reader> {
    pipe.map(|mut pipe| {
        thread::spawn(move || {
            let mut bytes = Vec::new();
            pipe.read_to_end(&mut bytes)?;
            Ok(String::from_utf8_lossy(&bytes).into_owned())
        })
    })
}

fn join(reader: Option<Reader>) -> io::Result<String> {
    match reader {
        Some(reader) => reader
            .join()
            .map_err(|_| io::Error::other("the thread reading a child's output panicked"))?,
        None => Ok(String::new()),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
    }

    #[test]
    fn captures_both_streams_and_the_exit_code() {
        let finished = run(
            sh("echo out; echo err >&2; exit 3"),
            Duration::from_secs(10),
        )
        .unwrap();
        assert_eq!(finished.exit, Exit::Code(3));
        assert_eq!(finished.stdout, "out\n");
        assert_eq!(finished.stderr, "err\n");
    }

    #[test]
    fn kills_a_child_that_outlives_its_timeout() {
        let finished = run(
            sh("echo started; exec sleep 30"),
            Duration::from_millis(300),
        )
        .unwrap();
        assert_eq!(finished.exit, Exit::TimedOut);
        assert_eq!(finished.stdout, "started\n");
        assert!(
            finished.elapsed < Duration::from_secs(10),
            "took {:?}",
            finished.elapsed
        );
    }

    #[test]
    fn reports_a_signal() {
        let finished = run(sh("kill -9 $$"), Duration::from_secs(10)).unwrap();
        assert_eq!(finished.exit, Exit::Signal(9));
    }

    #[test]
    fn drains_output_larger_than_a_pipe_buffer() {
        let finished = run(
            sh("head -c 1000000 /dev/zero | tr '\\0' x"),
            Duration::from_secs(10),
        )
        .unwrap();
        assert_eq!(finished.exit, Exit::Code(0));
        assert_eq!(finished.stdout.len(), 1_000_000);
    }
}
