//! Guards the tools against a child that hangs or floods: a deadline, and
//! a bound on what is kept of its output.
//!
//! Runs a child process to its end or to a deadline, capturing its output.
//!
//! Two threads drain stdout and stderr while the caller waits: without them
//! a chatty child could fill a pipe and block for ever. They are given a
//! bounded time to finish after the group is gone: a descendant that left
//! the group (`setsid`) could otherwise hold a pipe open for ever. With
//! [`run_limited`] they keep a bounded number of bytes, and a child that
//! writes more is killed: a runaway loop that prints can't make the caller
//! grow without bound.

use std::io::{self, Read};
use std::os::unix::process::ExitStatusExt as _;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Arc, OnceLock, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use crate::group::{Group, spawn};

/// How long the output of a finished child may take to reach end-of-file.
const DRAIN_GRACE: Duration = Duration::from_secs(2);

/// How a child process ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exit {
    /// It exited with this code.
    Code(i32),
    /// A signal ended it.
    Signal(i32),
    /// It outlived its timeout, and its process group was killed.
    TimedOut,
    /// It wrote more than [`run_limited`]'s limit of bytes to `stream`
    /// (`stdout` or `stderr`), and its process group was killed.
    TooMuchOutput { stream: &'static str, limit: usize },
}

impl From<ExitStatus> for Exit {
    fn from(status: ExitStatus) -> Self {
        match status.code() {
            Some(code) => Exit::Code(code),
            None => Exit::Signal(status.signal().unwrap_or(-1)),
        }
    }
}

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Exit::Code(code) => write!(f, "exit code {code}"),
            Exit::Signal(signal) => write!(f, "killed by signal {signal}"),
            Exit::TimedOut => f.write_str("timed out and killed"),
            Exit::TooMuchOutput { stream, limit } => {
                write!(
                    f,
                    "wrote more than {limit} bytes to {stream} and was killed"
                )
            }
        }
    }
}

/// Everything a finished child left behind.
#[derive(Clone, Debug)]
pub struct Finished {
    pub exit: Exit,
    pub stdout: String,
    pub stderr: String,
    /// From the start to the moment both streams were read (or given up on).
    pub elapsed: Duration,
}

impl Finished {
    pub fn success(&self) -> bool {
        self.exit == Exit::Code(0)
    }
}

/// Runs `command` with stdin closed, in a process group of its own (see
/// [`spawn`]), killing the group if it runs past `timeout`. Whatever the
/// child left running in its group when it ended is killed too.
pub fn run(command: Command, timeout: Duration) -> io::Result<Finished> {
    run_limited(command, timeout, usize::MAX)
}

/// [`run`], keeping at most `limit` bytes of each stream: a child that
/// writes more to either is killed with its group as soon as a reader sees
/// it, and its exit is [`Exit::TooMuchOutput`], with the first `limit`
/// bytes of each stream.
pub fn run_limited(mut command: Command, timeout: Duration, limit: usize) -> io::Result<Finished> {
    let start = Instant::now();
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut group = spawn(command)?;
    let over = Arc::new(Overflow::new());
    let stdout = drain(group.take_stdout(), limit, "stdout", &over);
    let stderr = drain(group.take_stderr(), limit, "stderr", &over);
    let mut exit = wait(&mut group, timeout, limit, &over)?;
    let drain_deadline = Instant::now() + DRAIN_GRACE;
    let stdout = collect(stdout, drain_deadline);
    let mut stderr = collect(stderr, drain_deadline);
    if stdout.is_none() || stderr.is_none() {
        let note = "<a process it started left its process group and still holds \
                    the output open; it was not killed>";
        stderr.get_or_insert_default().push_str(note);
    }
    // It may have exited before `wait` saw that a stream went past the
    // limit; what it wrote was cut all the same.
    if let Some(&stream) = over.get() {
        exit = Exit::TooMuchOutput { stream, limit };
    }
    Ok(Finished {
        exit,
        stdout: stdout.unwrap_or_default(),
        stderr: stderr.unwrap_or_default(),
        elapsed: start.elapsed(),
    })
}

/// Which stream went past the limit first, if one did.
type Overflow = OnceLock<&'static str>;

/// How often [`wait`] looks whether a stream went past its limit.
const LIMIT_POLL: Duration = Duration::from_millis(20);

/// Waits for the leader to exit, for `timeout` or until a reader sees more
/// than `limit` bytes; in either of those cases the group is killed.
/// (`Duration::MAX`, no deadline, never runs out.)
fn wait(group: &mut Group, timeout: Duration, limit: usize, over: &Overflow) -> io::Result<Exit> {
    let start = Instant::now();
    let stopped = loop {
        if let Some(&stream) = over.get() {
            break Exit::TooMuchOutput { stream, limit };
        }
        let left = timeout.saturating_sub(start.elapsed());
        if left.is_zero() {
            break Exit::TimedOut;
        }
        if let Some(status) = group.wait_timeout(left.min(LIMIT_POLL))? {
            return Ok(Exit::from(status));
        }
    };
    group.kill()?;
    Ok(stopped)
}

type Reader = mpsc::Receiver<io::Result<Vec<u8>>>;

/// Reads `pipe` on a thread of its own, keeping its first `limit` bytes; on
/// the first byte past them it says so through `over` and stops reading.
fn drain(
    pipe: Option<impl Read + Send + 'static>,
    limit: usize,
    stream: &'static str,
    over: &Arc<Overflow>,
) -> Option<Reader> {
    pipe.map(|pipe| {
        let (sender, receiver) = mpsc::channel();
        let over = Arc::clone(over);
        thread::spawn(move || {
            let mut bytes = Vec::new();
            // One byte past the limit tells a full stream from a longer one.
            let keep = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
            let result = pipe.take(keep).read_to_end(&mut bytes).map(|_| {
                if bytes.len() > limit {
                    bytes.truncate(limit);
                    let _ = over.set(stream);
                }
                bytes
            });
            // The receiver may have given up waiting; then nobody wants it.
            let _ = sender.send(result);
        });
        receiver
    })
}

/// What the reader got, or `None` if the stream was still open at
/// `deadline`; a stream that could not be read says so in its text.
fn collect(reader: Option<Reader>, deadline: Instant) -> Option<String> {
    let Some(reader) = reader else {
        return Some(String::new());
    };
    let left = deadline.saturating_duration_since(Instant::now());
    match reader.recv_timeout(left) {
        Ok(Ok(bytes)) => Some(String::from_utf8_lossy(&bytes).into_owned()),
        Ok(Err(error)) => Some(format!("<cannot read the stream: {error}>")),
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exits_within;

    fn sh(script: &str, timeout: Duration, limit: usize) -> Finished {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        run_limited(command, timeout, limit).unwrap()
    }

    const TEN: Duration = Duration::from_secs(10);

    /// Both streams, whole however large (a pipe holds 64 KiB), and how
    /// the child ended; `Duration::MAX` is no deadline.
    #[test]
    fn captures_both_streams_and_how_it_ended() {
        let finished = sh("echo out; echo err >&2; exit 3", TEN, usize::MAX);
        assert_eq!(finished.exit, Exit::Code(3));
        assert_eq!((&*finished.stdout, &*finished.stderr), ("out\n", "err\n"));
        let large = sh(
            "head -c 1000000 /dev/zero | tr '\\0' x",
            Duration::MAX,
            usize::MAX,
        );
        assert_eq!((large.exit, large.stdout.len()), (Exit::Code(0), 1_000_000));
        let killed = sh("kill -9 $$", TEN, usize::MAX);
        assert_eq!(killed.exit, Exit::Signal(9));
    }

    #[test]
    fn a_timeout_kills_the_grandchildren_too() {
        // `sleep` runs in the background, holding stdout, while the shell
        // waits: killing only the shell would leave `sleep` and the pipe.
        let script = "echo started; sleep 30 & echo $!; wait";
        let finished = sh(script, Duration::from_millis(300), usize::MAX);
        assert_eq!(finished.exit, Exit::TimedOut);
        assert!(finished.stdout.starts_with("started\n"), "{finished:?}");
        assert!(finished.elapsed < TEN, "took {:?}", finished.elapsed);
        let pid = finished
            .stdout
            .lines()
            .nth(1)
            .and_then(|pid| pid.parse().ok());
        let gone = pid.is_some_and(|pid| exits_within(pid, Duration::from_secs(5)));
        assert!(gone, "{pid:?} outlived the timeout: {finished:?}");
    }

    #[test]
    fn a_process_left_running_is_killed_and_does_not_hold_the_output() {
        let finished = sh("sleep 30 & echo $!", TEN, usize::MAX);
        assert_eq!(finished.exit, Exit::Code(0));
        assert!(
            finished.elapsed < DRAIN_GRACE,
            "took {:?}",
            finished.elapsed
        );
        let pid = finished.stdout.trim().parse().unwrap();
        let gone = exits_within(pid, Duration::from_secs(5));
        assert!(gone, "sleep {pid} outlived the check");
    }

    /// A child that prints without end is stopped at the limit, and only
    /// the limit is kept, whichever stream it floods; up to the limit is
    /// fine, even when the child exits at once.
    #[test]
    fn a_child_that_writes_past_the_limit_is_killed_and_cut() {
        let limit = 4096;
        // The other stream keeps what it got: `started` on stdout, or nothing.
        let started = "started\n".len();
        for (stream, script, lengths) in [
            ("stdout", "yes", (limit, 0)),
            ("stderr", "yes >&2", (started, limit)),
        ] {
            let finished = sh(&format!("echo started; {script}"), TEN, limit);
            assert_eq!(finished.exit, Exit::TooMuchOutput { stream, limit });
            let got = (finished.stdout.len(), finished.stderr.len());
            assert_eq!(got, lengths, "{stream}");
            assert!(finished.elapsed < TEN, "{stream}");
        }
        let exact = sh("head -c 4096 /dev/zero", TEN, limit);
        assert_eq!(exact.exit, Exit::Code(0));
        let more = sh("head -c 4097 /dev/zero", TEN, limit);
        let stream = "stdout";
        assert_eq!(more.exit, Exit::TooMuchOutput { stream, limit });
    }
}
