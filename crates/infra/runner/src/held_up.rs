//! How long the machine kept the run's threads from a CPU while they were
//! ready to run: what `check-all --real` needs to tell a difference the
//! machine made from one the example made.
//!
//! A line on the real clock comes late by what its chain of work waited
//! for a CPU, plus the work itself: a few milliseconds on an idle machine.
//! A wait may come anywhere in the chain, and late wake-ups add up over a
//! loop of sleeps, so what counts is the whole wait since the example
//! started, not where it fell. Each of the runtime's threads reads its own
//! clocks (`own_time.rs`, exact there) as it parks and as it wakes.
//!
//! The chain also runs on threads that are not the runtime's: the blocking
//! pool's, an in-process server's, a thread the example starts, and the
//! one that copies stdout, whose lock a runtime thread takes as it parks.
//! Their waits for a CPU are read from `/proc` at each count; a wait still
//! under way counts at the next (a wait a line waited on has ended by the
//! time the line is written). A thread of the runtime's reads them as it
//! stops; one seen at a count that ended unread by the next may have
//! waited for all the time between, which is what it adds. A thread that
//! started and ended between two counts is not seen: its waits are missed,
//! and a count too small can fail a run the machine held up.
//!
//! What it gives up: beyond that, the count is the most the machine could
//! have delayed a line, not what it did. Waits of threads off the chain,
//! and of threads waiting side by side, all add up: an example that
//! computes on several threads (`runtime/cpu_pool`, whose pool's threads
//! also end unread) counted 0.68 s on a quiet machine, and 0.28 to 0.40 s
//! beside CPU hogs, where its runtime alone waited 5 ms; a difference that
//! small is then "can't tell".

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::own_time::{Reading, Thread};

pub(crate) struct HeldUp {
    /// Each runtime thread's first and latest readings, taken by the thread
    /// itself.
    threads: HashMap<Thread, (Reading, Reading)>,
    /// Every thread's waits, as read by whichever thread counts.
    others: HashMap<Thread, Other>,
    /// What the threads that ended unread may have waited.
    ended_unread: Duration,
}

/// A thread's waits for a CPU in all, as read from `/proc`.
#[derive(Clone, Copy)]
struct Other {
    /// At the start, or zero for a thread started since.
    first: Duration,
    latest: Duration,
    /// When `latest` was read.
    read_at: Instant,
    state: State,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Running,
    /// Read as it stopped: what it waits after is no line's.
    Stopping,
    /// No longer listed.
    Ended,
}

impl Other {
    fn waited(&self) -> Duration {
        self.latest.saturating_sub(self.first)
    }
}

impl HeldUp {
    pub(crate) fn new() -> HeldUp {
        HeldUp {
            threads: HashMap::new(),
            others: HashMap::new(),
            ended_unread: Duration::ZERO,
        }
    }

    /// Counts from now on: an example starts. Inside its runtime.
    pub(crate) fn restart(&mut self) {
        self.threads.clear();
        self.others.clear();
        self.ended_unread = Duration::ZERO;
        self.read();
        let now = Instant::now();
        for thread in Thread::listed() {
            if let Some(waited) = thread.waited() {
                let other = Other {
                    first: waited,
                    latest: waited,
                    read_at: now,
                    state: State::Running,
                };
                self.others.insert(thread, other);
            }
        }
    }

    /// Reads the calling thread's clocks: as it parks, and as it wakes.
    pub(crate) fn read(&mut self) {
        let Some(thread) = Thread::current() else {
            return;
        };
        let reading = Reading::now();
        self.threads
            .entry(thread)
            .and_modify(|(_, latest)| *latest = reading)
            .or_insert((reading, reading));
    }

    /// A thread of the runtime's is about to end: its waits are read while
    /// they can be.
    pub(crate) fn stopping(&mut self) {
        self.read_others();
        if let Some(other) = Thread::current().and_then(|thread| self.others.get_mut(&thread)) {
            other.state = State::Stopping;
        }
    }

    /// How long the threads waited for a CPU since counting began, in all
    /// (a chain of work may move from one thread to another); `None` where
    /// a runtime thread's clocks could not be read, or none could.
    pub(crate) fn in_all(&mut self) -> Option<Duration> {
        self.read();
        self.read_others();
        let runtime = self.runtime_threads()?;
        let others = self
            .others
            .iter()
            .filter(|(thread, _)| !self.threads.contains_key(thread))
            .map(|(_, other)| other.waited());
        Some(runtime + others.sum::<Duration>() + self.ended_unread)
    }

    /// The runtime's threads' waits: as each read itself, or as `/proc`
    /// said since the start, whichever is more (a worker reads itself first
    /// at its first park, after the start).
    fn runtime_threads(&self) -> Option<Duration> {
        if self.threads.is_empty() {
            return None;
        }
        self.threads
            .iter()
            .map(|(thread, (first, latest))| {
                let real = latest.at().saturating_duration_since(first.at());
                let own = real.saturating_sub(latest.own_since(first)?);
                let listed = self.others.get(thread).map(Other::waited);
                Some(own.max(listed.unwrap_or_default()))
            })
            .sum()
    }

    /// Reads every thread's waits now.
    fn read_others(&mut self) {
        let now = Instant::now();
        let listed = Thread::listed();
        for (thread, other) in &mut self.others {
            if other.state == State::Ended || listed.contains(thread) {
                continue;
            }
            // Ended since it was read: unless it was read as it stopped, it
            // may have waited for all the time since.
            if other.state == State::Running && !self.threads.contains_key(thread) {
                self.ended_unread += now.saturating_duration_since(other.read_at);
            }
            other.state = State::Ended;
        }
        for thread in listed {
            let Some(waited) = thread.waited() else {
                continue;
            };
            let fresh = Other {
                first: Duration::ZERO,
                latest: waited,
                read_at: now,
                state: State::Running,
            };
            let other = self.others.entry(thread).or_insert(fresh);
            match other.state {
                State::Running => {
                    other.latest = waited;
                    other.read_at = now;
                }
                State::Stopping => {}
                State::Ended => {
                    // A new thread with an ended one's id: the ended one's
                    // waits stay counted.
                    self.ended_unread += other.waited();
                    *other = fresh;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(millis: u64) -> Duration {
        Duration::from_millis(millis)
    }

    /// A sleep is no wait for a CPU: what is counted is what the kernel
    /// says the thread waited on a runqueue meanwhile, read here directly.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_sleep_is_not_held_up() {
        let run_delay = || {
            let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
            let nanos: u64 = text.split_whitespace().nth(1)?.parse().ok()?;
            Some(Duration::from_nanos(nanos))
        };
        let mut held = HeldUp::new();
        let before = run_delay();
        held.read();
        std::thread::sleep(ms(100));
        held.read();
        // The test harness's other threads wait too: this thread's alone.
        let in_all = held.runtime_threads();
        let (Some(before), Some(after), Some(in_all)) = (before, run_delay(), in_all) else {
            // A kernel without CONFIG_SCHED_INFO counts no waits.
            assert!(std::fs::read("/proc/self/schedstat").is_err());
            return;
        };
        assert!(
            in_all <= after - before,
            "{in_all:?} > {:?}",
            after - before
        );
    }

    /// A thread sharing its CPU with another that computes waits for it,
    /// and the readings count that wait: on a busy machine only more.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_thread_sharing_its_cpu_with_a_hog_is_held_up() {
        let mut held = HeldUp::new();
        held.read();
        compute_beside_a_hog();
        held.read();
        let Some(most) = held.in_all() else {
            // A kernel without CONFIG_SCHED_INFO counts no waits.
            assert!(std::fs::read("/proc/self/schedstat").is_err());
            return;
        };
        // Half the CPU at most: about 100 ms of the 200 waiting.
        assert!(most >= ms(50), "{most:?}");
    }

    /// A thread that is not the runtime's but shares a CPU with another
    /// that computes (a blocking job, the stdout copier) waits for it, and
    /// the count has that wait, read from the runtime's thread.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_thread_off_the_runtime_held_up_counts() {
        use std::sync::mpsc;

        let mut held = HeldUp::new();
        held.restart();
        let (computed, counted) = (mpsc::channel(), mpsc::channel::<()>());
        // It stays alive until counted.
        let job = std::thread::spawn(move || {
            compute_beside_a_hog();
            computed.0.send(()).unwrap();
            counted.1.recv().ok();
        });
        computed.1.recv().unwrap();
        let in_all = held.in_all();
        drop(counted.0);
        job.join().unwrap();
        let Some(in_all) = in_all else {
            // A kernel without CONFIG_SCHED_INFO counts no waits.
            assert!(std::fs::read("/proc/self/schedstat").is_err());
            return;
        };
        // Half the CPU at most: about 100 ms of the 200 waiting.
        assert!(in_all >= ms(50), "{in_all:?}");
    }

    /// Computes for 200 ms on one CPU beside a hog, on the calling thread,
    /// which waits for that CPU about half the time.
    #[cfg(target_os = "linux")]
    fn compute_beside_a_hog() {
        use rustix::thread::{CpuSet, sched_getaffinity, sched_setaffinity};
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, Ordering};

        let allowed = sched_getaffinity(None).unwrap();
        let cpu = (0..CpuSet::MAX_CPU)
            .find(|&cpu| allowed.is_set(cpu))
            .unwrap();
        let mut one = CpuSet::new();
        one.set(cpu);
        let pin = move || sched_setaffinity(None, &one).unwrap();
        let done = Arc::new(AtomicBool::new(false));
        let hog = std::thread::spawn({
            let done = Arc::clone(&done);
            move || {
                pin();
                while !done.load(Ordering::Relaxed) {
                    std::hint::spin_loop();
                }
            }
        });
        pin();
        let start = std::time::Instant::now();
        while start.elapsed() < ms(200) {
            std::hint::spin_loop();
        }
        done.store(true, Ordering::Relaxed);
        hog.join().unwrap();
    }

    /// A thread seen at a count that ends before the next may have waited
    /// for all the time between: the count has that.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_thread_that_ended_unread_counts_the_time_it_may_have_waited() {
        use std::sync::mpsc;

        let mut held = HeldUp::new();
        held.restart();
        let (started, seen) = (mpsc::channel(), mpsc::channel::<()>());
        let thread = std::thread::spawn(move || {
            started.0.send(()).unwrap();
            seen.1.recv().ok();
            compute_beside_a_hog();
        });
        started.1.recv().unwrap();
        held.in_all();
        drop(seen.0);
        thread.join().unwrap();
        let Some(in_all) = held.in_all() else {
            // A kernel without CONFIG_SCHED_INFO counts no waits.
            assert!(std::fs::read("/proc/self/schedstat").is_err());
            return;
        };
        assert!(in_all >= ms(200), "{in_all:?}");
    }

    /// A worker of a multi-thread runtime reads itself first at its first
    /// park: what `/proc` counted of it before stays counted.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_thread_that_reads_itself_late_keeps_its_earlier_waits() {
        use std::sync::{Arc, Mutex, mpsc};

        let held = Arc::new(Mutex::new(HeldUp::new()));
        held.lock().unwrap().restart();
        let (computed, counted) = (mpsc::channel(), mpsc::channel::<()>());
        let thread = std::thread::spawn({
            let held = Arc::clone(&held);
            move || {
                compute_beside_a_hog();
                computed.0.send(()).unwrap();
                counted.1.recv().unwrap();
                held.lock().unwrap().read();
                computed.0.send(()).unwrap();
                counted.1.recv().ok();
            }
        });
        computed.1.recv().unwrap();
        let before = held.lock().unwrap().in_all();
        counted.0.send(()).unwrap();
        computed.1.recv().unwrap();
        let after = held.lock().unwrap().in_all();
        drop(counted.0);
        thread.join().unwrap();
        let (Some(before), Some(after)) = (before, after) else {
            // A kernel without CONFIG_SCHED_INFO counts no waits.
            assert!(std::fs::read("/proc/self/schedstat").is_err());
            return;
        };
        assert!(before >= ms(50), "{before:?}");
        assert!(after >= before, "{after:?} < {before:?}");
    }
}
