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
use std::sync::{Arc, Mutex, OnceLock, PoisonError, mpsc};
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
    /// It wrote more than [`run_limited`]'s limit of bytes to `stream`,
    /// and its process group was killed.
    TooMuchOutput { stream: Stream, limit: usize },
}

/// One of a child's output streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

impl std::fmt::Display for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        })
    }
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
    /// Whether both streams reached their end.
    pub streams: Streams,
}

/// Whether a finished child's streams reached their end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Streams {
    /// Both reached end-of-file (or could not be read, which their text says).
    Ended,
    /// A process that left the group (`setsid`) still held stdout or stderr
    /// open a while after the child ended: each stream is what had been
    /// written to it by then.
    HeldOpen,
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
    let stdout = drain(group.take_stdout(), limit, Stream::Stdout, &over);
    let stderr = drain(group.take_stderr(), limit, Stream::Stderr, &over);
    let mut exit = wait(&mut group, timeout, limit, &over)?;
    let drain_deadline = Instant::now() + DRAIN_GRACE;
    let stdout = collect(stdout, drain_deadline);
    let stderr = collect(stderr, drain_deadline);
    let streams = match (&stdout, &stderr) {
        (Drained::Ended(_), Drained::Ended(_)) => Streams::Ended,
        _ => Streams::HeldOpen,
    };
    let (stdout, mut stderr) = (stdout.into_text(), stderr.into_text());
    if streams == Streams::HeldOpen {
        stderr.push_str(
            "<a process it started left its process group and still holds the output open; \
             it was not killed>",
        );
    }
    // It may have exited before `wait` saw that a stream went past the
    // limit; what it wrote was cut all the same.
    if let Some(&stream) = over.get() {
        exit = Exit::TooMuchOutput { stream, limit };
    }
    Ok(Finished {
        exit,
        stdout,
        stderr,
        elapsed: start.elapsed(),
        streams,
    })
}

/// Which stream went past the limit first, if one did.
type Overflow = OnceLock<Stream>;

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

/// A stream read on a thread of its own: what it has read so far, and
/// whether the stream has ended.
struct Reader {
    bytes: Arc<Mutex<Vec<u8>>>,
    ended: mpsc::Receiver<io::Result<()>>,
}

/// Reads `pipe` on a thread of its own, keeping its first `limit` bytes; on
/// the first byte past them it says so through `over` and stops reading.
fn drain(
    pipe: Option<impl Read + Send + 'static>,
    limit: usize,
    stream: Stream,
    over: &Arc<Overflow>,
) -> Option<Reader> {
    let mut pipe = pipe?;
    let (sender, ended) = mpsc::channel();
    let bytes = Arc::new(Mutex::new(Vec::new()));
    let (kept, over) = (Arc::clone(&bytes), Arc::clone(over));
    thread::spawn(move || {
        let mut chunk = [0; 8192];
        let result = loop {
            let read = match pipe.read(&mut chunk) {
                Ok(0) => break Ok(()),
                Ok(read) => read,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => break Err(error),
            };
            // Kept as it comes: a stream held open past the grace is read
            // up to where it stands then.
            let mut kept = kept.lock().unwrap_or_else(PoisonError::into_inner);
            let room = limit - kept.len();
            kept.extend_from_slice(&chunk[..read.min(room)]);
            if read > room {
                let _ = over.set(stream);
                break Ok(());
            }
        };
        // The receiver may have given up waiting; then nobody wants it.
        let _ = sender.send(result);
    });
    Some(Reader { bytes, ended })
}

/// What [`collect`] got of a stream.
enum Drained {
    /// It reached its end, or could not be read (the text says so).
    Ended(String),
    /// It was still open at the deadline: what had come by then.
    HeldOpen(String),
}

impl Drained {
    fn into_text(self) -> String {
        match self {
            Drained::Ended(text) | Drained::HeldOpen(text) => text,
        }
    }
}

/// What the reader got by `deadline`; a stream that could not be read says
/// so in its text.
fn collect(reader: Option<Reader>, deadline: Instant) -> Drained {
    let Some(reader) = reader else {
        return Drained::Ended(String::new());
    };
    let left = deadline.saturating_duration_since(Instant::now());
    let ended = reader.ended.recv_timeout(left);
    let bytes = reader.bytes.lock().unwrap_or_else(PoisonError::into_inner);
    let text = String::from_utf8_lossy(&bytes).into_owned();
    match ended {
        Ok(Ok(())) => Drained::Ended(text),
        Ok(Err(error)) => Drained::Ended(format!("{text}<cannot read the stream: {error}>")),
        Err(_) => Drained::HeldOpen(text),
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

    /// A process in a session of its own is out of reach of the group kill,
    /// and may hold the pipe open: what was written before the grace ran
    /// out is still read, and the caller is told. The escaped child says on
    /// a side channel (the command substitution's pipe, fd 3) once it has
    /// left the group, and closes it; only then does the script go on to
    /// end: without the handshake, the group kill could catch it before
    /// `setsid`. A process that escapes with neither stream holds nothing.
    #[test]
    fn a_stream_held_open_by_a_process_out_of_reach_is_read_up_to_then() {
        let script = "echo before
            exec 4>&1
            apart=$(setsid sh -c 'echo apart >&3; exec sleep 4 3>&- 4>&-' 3>&1 1>&4 &)
            echo \"after, $apart\"";
        let finished = sh(script, TEN, usize::MAX);
        assert_eq!(finished.exit, Exit::Code(0));
        assert_eq!(finished.stdout, "before\nafter, apart\n");
        assert_eq!(finished.streams, Streams::HeldOpen, "{finished:?}");
        assert!(
            finished.stderr.contains("still holds the output open"),
            "{finished:?}"
        );
        assert!(finished.elapsed < TEN, "took {:?}", finished.elapsed);
        let script = "echo before; setsid sleep 4 >/dev/null 2>&1 &";
        let closed = sh(script, TEN, usize::MAX);
        assert_eq!(
            (&*closed.stdout, closed.streams),
            ("before\n", Streams::Ended)
        );
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
            (Stream::Stdout, "yes", (limit, 0)),
            (Stream::Stderr, "yes >&2", (started, limit)),
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
        let stream = Stream::Stdout;
        assert_eq!(more.exit, Exit::TooMuchOutput { stream, limit });
        assert_eq!(
            more.exit.to_string(),
            "wrote more than 4096 bytes to stdout and was killed"
        );
    }
}
