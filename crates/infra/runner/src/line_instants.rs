//! `--line-instants`: each line the run writes to stdout, with the instant
//! of its example's clock at which it was written. `check-all --real` reads
//! them from a run on the paused clock, to tell which lines are close
//! enough in time for a busy machine to swap on the real clock.
//!
//! Stdout becomes a pipe, which a thread copies to the real stdout as it
//! fills. Lines are stamped when the runtime is about to park: its clock
//! moves on only while it parks (the paused clock jumps to the next timer
//! only there), so everything written since the last park was written at
//! the instant the clock still shows. A line a thread outside the runtime
//! writes is stamped at the next park after it.
//!
//! On the real clock the runtime's threads also read their own clocks as
//! they park and wake, and before the lines of each stamp, and at the end,
//! a line says how long the machine had held the run's threads up since
//! the example started (`held_up.rs`).

use std::io::{self, Write as _};
use std::os::fd::{AsFd, OwnedFd};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustix::event::{PollFd, PollFlags, poll};
use rustix::io::Errno;
use tokio::time::Instant;

use crate::held_up::HeldUp;
use crate::whole_file::WholeFile;

/// The name of the thread that copies stdout.
pub(crate) const THREAD: &str = "line-instants";

/// Stdout, captured until [`LineInstants::finish`].
pub(crate) struct LineInstants {
    stamps: Stamps,
    file: WholeFile,
}

/// What stamps the lines, for the runtime's hook.
#[derive(Clone)]
pub(crate) struct Stamps(Arc<Mutex<Capture>>);

struct Capture {
    /// The pipe's end this process reads, which never blocks.
    pipe: OwnedFd,
    /// Where stdout went before, to which every byte is copied.
    stdout: OwnedFd,
    /// The last line, not yet ended.
    partial: Vec<u8>,
    /// Lines ended since the last stamp.
    unstamped: Vec<String>,
    /// The file's text: a line for each line stamped.
    stamped: String,
    /// The current example's start, on its runtime's clock.
    origin: Option<Instant>,
    /// The instant of the last stamp.
    last: Duration,
    /// On the real clock, the threads' readings.
    held_up: Option<HeldUp>,
}

impl LineInstants {
    /// Captures stdout from now on; the instants go to `file` at the end.
    /// On the real clock, counts how long the machine holds the runtime up.
    pub(crate) fn capture(file: WholeFile, real_clock: bool) -> io::Result<Self> {
        io::stdout().flush()?;
        let stdout = io::stdout().as_fd().try_clone_to_owned()?;
        let (pipe, writer) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?;
        rustix::io::ioctl_fionbio(&pipe, true)?;
        let waiting = pipe.try_clone()?;
        rustix::stdio::dup2_stdout(&writer)?;
        drop(writer);
        let shared = Arc::new(Mutex::new(Capture {
            pipe,
            stdout,
            partial: Vec::new(),
            unstamped: Vec::new(),
            stamped: String::new(),
            origin: None,
            last: Duration::ZERO,
            held_up: real_clock.then(HeldUp::new),
        }));
        let copying = Arc::clone(&shared);
        // Copies as the pipe fills, so that no write to stdout waits for the
        // runtime to park. It ends when every writer is gone; if a child
        // process outlives the run with the pipe, it ends with the process.
        std::thread::Builder::new()
            .name(THREAD.to_owned())
            .spawn(move || {
                let mut ready = [PollFd::new(&waiting, PollFlags::IN)];
                loop {
                    match poll(&mut ready, None) {
                        Ok(_) if crate::lock(&copying).copy() => {}
                        Err(Errno::INTR) => {}
                        _ => return,
                    }
                }
            })?;
        Ok(LineInstants {
            stamps: Stamps(shared),
            file,
        })
    }

    pub(crate) fn stamps(&self) -> &Stamps {
        &self.stamps
    }

    /// Gives stdout back and writes the instants.
    pub(crate) fn finish(self) -> io::Result<()> {
        io::stdout().flush()?;
        let mut capture = crate::lock(&self.stamps.0);
        // The pipe's writer on fd 1 closes with it.
        rustix::stdio::dup2_stdout(&capture.stdout)?;
        capture.copy();
        if !capture.partial.is_empty() {
            let line = String::from_utf8_lossy(&std::mem::take(&mut capture.partial)).into_owned();
            capture.unstamped.push(line);
        }
        // What the runner printed after the last example's end.
        capture.stamp_all();
        // And how it was held up in all, after its last line.
        if let Some(in_all) = capture.held_up.as_mut().and_then(HeldUp::in_all) {
            capture
                .stamped
                .push_str(&protocol::line_instants::held_up(in_all));
        }
        self.file.write(capture.stamped.as_bytes())
    }
}

impl Stamps {
    /// An example starts: its instants count from now on its clock.
    /// Inside its runtime.
    pub(crate) fn start(&self) {
        let mut capture = crate::lock(&self.0);
        capture.origin = Some(Instant::now());
        if let Some(held) = &mut capture.held_up {
            held.restart();
        }
    }

    /// The runtime's `on_thread_unpark` hook: a thread woke.
    pub(crate) fn woke(&self) {
        if let Some(held) = &mut crate::lock(&self.0).held_up {
            held.read();
        }
    }

    /// The runtime's `on_thread_stop` hook: a thread of the runtime's (a
    /// worker, the blocking pool's) is about to end.
    pub(crate) fn stopping(&self) {
        if let Some(held) = &mut crate::lock(&self.0).held_up {
            held.stopping();
        }
    }

    /// Stamps each line written since the last stamp with the current
    /// instant: the runtime's `on_thread_park` hook, or the example's end,
    /// inside its runtime. A line is written when its newline is, so what
    /// `print!` left in std's buffer waits for the rest of its line.
    pub(crate) fn stamp(&self) {
        let mut capture = crate::lock(&self.0);
        if let Some(held) = &mut capture.held_up {
            held.read();
        }
        capture.copy();
        capture.last = capture
            .origin
            .map_or(Duration::ZERO, |origin| origin.elapsed());
        capture.stamp_all();
    }
}

impl Capture {
    fn stamp_all(&mut self) {
        if self.unstamped.is_empty() {
            return;
        }
        if let Some(in_all) = self.held_up.as_mut().and_then(HeldUp::in_all) {
            self.stamped
                .push_str(&protocol::line_instants::held_up(in_all));
        }
        for line in std::mem::take(&mut self.unstamped) {
            let line = protocol::line_instants::line(self.last, &line);
            self.stamped.push_str(&line);
        }
    }

    /// Copies what the pipe holds to stdout, and splits it into lines;
    /// `false` once every writer is gone or the pipe fails.
    fn copy(&mut self) -> bool {
        let mut buffer = [0; 16 * 1024];
        loop {
            let read = match rustix::io::read(&self.pipe, &mut buffer) {
                Ok(0) => return false,
                Ok(read) => &buffer[..read],
                Err(Errno::AGAIN) => return true,
                Err(Errno::INTR) => continue,
                Err(_) => return false,
            };
            // A stdout that can't be written loses the run's output, as it
            // would without the pipe; the instants are still counted.
            let _ = write_all(&self.stdout, read);
            for &byte in read {
                if byte == b'\n' {
                    let line = std::mem::take(&mut self.partial);
                    self.unstamped
                        .push(String::from_utf8_lossy(&line).into_owned());
                } else {
                    self.partial.push(byte);
                }
            }
        }
    }
}

fn write_all(fd: &OwnedFd, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        match rustix::io::write(fd, bytes) {
            Ok(written) => bytes = &bytes[written..],
            Err(Errno::INTR) => {}
            Err(error) => return Err(error.into()),
        }
    }
    Ok(())
}
