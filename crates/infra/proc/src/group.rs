//! Guards against orphans: a child and all it started are killed when it
//! ends, when it is dropped, and on Ctrl-C.
//!
//! Child processes in groups of their own, registered so that a signal can
//! kill them all.

use std::collections::BTreeSet;
use std::io;
use std::os::unix::process::CommandExt as _;
use std::process::{Child, ChildStderr, ChildStdout, Command, ExitStatus};
use std::sync::{Mutex, MutexGuard, Once, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use rustix::io::Errno;
use rustix::process::{Pid, Signal, WaitId, WaitIdOptions, kill_process, kill_process_group};

/// The process groups started and not yet reaped, by their leader's pid;
/// `None` once a signal came: then nothing new may start.
static GROUPS: Mutex<Option<BTreeSet<i32>>> = Mutex::new(Some(BTreeSet::new()));

fn groups() -> MutexGuard<'static, Option<BTreeSet<i32>>> {
    GROUPS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Starts `command` as the leader of a new process group, and registers the
/// group to be killed on Ctrl-C. The command's stdio is as the caller set it.
pub fn spawn(mut command: Command) -> io::Result<Group> {
    catch_signals();
    command.process_group(0);
    // Held across the spawn, so that a signal can't come between the spawn
    // and the registration and miss the new group.
    let mut groups = groups();
    let Some(registered) = groups.as_mut() else {
        return Err(io::Error::new(
            io::ErrorKind::Interrupted,
            "interrupted: no new process is started",
        ));
    };
    let child = command.spawn()?;
    let pid = Pid::from_child(&child);
    registered.insert(pid.as_raw_nonzero().get());
    Ok(Group {
        child,
        pid,
        status: None,
    })
}

/// Installs, once, the thread that kills every registered group on SIGINT,
/// SIGTERM or SIGHUP and then ends the process.
fn catch_signals() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]);
        let thread = signals.and_then(|mut signals| {
            thread::Builder::new()
                .name("proc-signals".to_owned())
                .spawn(move || {
                    if let Some(signal) = signals.forever().next() {
                        stop(signal);
                    }
                })
        });
        if let Err(error) = thread {
            eprintln!(
                "warning: cannot catch Ctrl-C ({error}); an interrupted run may leave \
                 processes running"
            );
        }
    });
}

/// How long [`stop`] waits for the groups it killed to be gone.
const KILLED_WITHIN: Duration = Duration::from_secs(2);

/// Kills every registered group and exits as the signal asks, with 128 + its
/// number, the shell's convention (130 for Ctrl-C).
fn stop(signal: i32) -> ! {
    // The lock is kept to the end: no group can start in between.
    let mut groups = groups();
    let killed = groups.take().unwrap_or_default();
    for &leader in &killed {
        if let Some(pid) = Pid::from_raw(leader) {
            let _ = kill_process_group(pid, Signal::KILL);
        }
    }
    // SIGKILL is delivered, not done, when `kill` returns: a process on
    // another core may still be running for a moment. Wait (a little) until
    // each group is gone, so that what the message says holds once this
    // process has exited.
    let deadline = Instant::now() + KILLED_WITHIN;
    while killed
        .iter()
        .any(|&leader| !crate::members_of_group(leader.unsigned_abs()).is_empty())
        && Instant::now() < deadline
    {
        thread::sleep(Duration::from_millis(5));
    }
    eprintln!(
        "\ninterrupted: killed {} running process group{}",
        killed.len(),
        if killed.len() == 1 { "" } else { "s" }
    );
    std::process::exit(128 + signal)
}

/// A child process and the process group it leads.
///
/// The group lives as long as its leader: once the leader has exited, what
/// it left running in its group is killed (it would hold the leader's pipes
/// open, and live on). Dropping a `Group` kills the whole group. A process
/// that leaves the group (`setsid`) escapes all of this.
#[derive(Debug)]
pub struct Group {
    child: Child,
    pid: Pid,
    /// Set once the leader is reaped; its pid may then be reused.
    status: Option<ExitStatus>,
}

impl Group {
    /// The leader's process id, which is also the group's.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// The leader's stdout, if it was piped and not taken yet.
    pub fn take_stdout(&mut self) -> Option<ChildStdout> {
        self.child.stdout.take()
    }

    /// The leader's stderr, if it was piped and not taken yet.
    pub fn take_stderr(&mut self) -> Option<ChildStderr> {
        self.child.stderr.take()
    }

    /// Sends `signal` to the leader only, as a user's `kill` would.
    pub fn signal(&self, signal: Signal) -> io::Result<()> {
        if self.status.is_some() {
            return Err(io::Error::other("the process has exited"));
        }
        Ok(kill_process(self.pid, signal)?)
    }

    /// The leader's exit status if it has exited, without waiting.
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        if let Some(status) = self.status {
            return Ok(Some(status));
        }
        // `NOWAIT` leaves the leader a zombie, so its pid, the group's id,
        // can't be reused before the group is killed.
        let options = WaitIdOptions::EXITED | WaitIdOptions::NOHANG | WaitIdOptions::NOWAIT;
        match rustix::process::waitid(WaitId::Pid(self.pid), options)? {
            None => Ok(None),
            Some(_) => self.reap().map(Some),
        }
    }

    /// Waits for the leader to exit.
    pub fn wait(&mut self) -> io::Result<ExitStatus> {
        if let Some(status) = self.status {
            return Ok(status);
        }
        let options = WaitIdOptions::EXITED | WaitIdOptions::NOWAIT;
        loop {
            match rustix::process::waitid(WaitId::Pid(self.pid), options) {
                Ok(_) => return self.reap(),
                Err(Errno::INTR) => {}
                Err(error) => return Err(error.into()),
            }
        }
    }

    /// Waits for the leader to exit, for at most `timeout`: `None` if it
    /// is still running then. `Duration::MAX` waits for ever.
    pub fn wait_timeout(&mut self, timeout: Duration) -> io::Result<Option<ExitStatus>> {
        let Some(deadline) = Instant::now().checked_add(timeout) else {
            return self.wait().map(Some);
        };
        // std has no wait with a timeout: poll, backing off to 20 ms.
        let mut pause = Duration::from_millis(1);
        loop {
            if let Some(status) = self.try_wait()? {
                return Ok(Some(status));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            thread::sleep(pause.min(left));
            pause = (pause * 2).min(Duration::from_millis(20));
        }
    }

    /// Kills the whole group and reaps the leader.
    pub fn kill(&mut self) -> io::Result<ExitStatus> {
        if self.status.is_none() {
            let _ = kill_process_group(self.pid, Signal::KILL);
        }
        self.wait()
    }

    /// The leader has exited and is not reaped yet: kill what is left in its
    /// group, then reap it.
    fn reap(&mut self) -> io::Result<ExitStatus> {
        let _ = kill_process_group(self.pid, Signal::KILL);
        // Reaping frees the pid: held across the wait and the removal, the
        // lock keeps `spawn` from starting a group with the same pid in
        // between, which this removal would then unregister. The leader has
        // exited, so the wait returns at once.
        let mut groups = groups();
        let status = self.child.wait()?;
        self.status = Some(status);
        if let Some(groups) = groups.as_mut() {
            groups.remove(&self.pid.as_raw_nonzero().get());
        }
        Ok(status)
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        let _ = self.kill();
    }
}
