//! How long the machine kept the runtime's threads from a CPU while they
//! were ready to run: what `check-all --real` needs to tell a difference
//! the machine made from one the example made.
//!
//! A line on the real clock comes late by what its chain of work waited
//! for a CPU, plus the work itself: a few milliseconds on an idle machine.
//! A wait may come anywhere in the chain, and late wake-ups add up over a
//! loop of sleeps, so what counts is the whole wait since the example
//! started, not where it fell. Each of the runtime's threads reads its own
//! clocks (`own_time.rs`, exact there) as it parks and as it wakes.
//!
//! The chain also runs on threads that are not the runtime's: the blocking
//! pool's, an in-process server's, and the thread that copies stdout,
//! whose lock a runtime thread takes as it parks. Their waits for a CPU are
//! read from `/proc` too, as each count is made; a wait still under way
//! then counts at the next (a wait a line waited on has ended by the time
//! the line is written). The waits of a thread that ended between two
//! counts after its last are not seen. A thread off the chain adds its
//! waits as well: the count can only be too large, which makes the check
//! say "can't tell", never "fail", for a run the machine held up.

use std::collections::HashMap;
use std::time::Duration;

use crate::own_time::{Reading, Thread};

pub(crate) struct HeldUp {
    /// Each runtime thread's first and latest readings, taken by the thread
    /// itself.
    threads: HashMap<Thread, (Reading, Reading)>,
    /// Every thread's waits for a CPU in all, at the start and at the
    /// latest count, read by whichever thread counts.
    others: HashMap<Thread, (Duration, Duration)>,
}

impl HeldUp {
    pub(crate) fn new() -> HeldUp {
        HeldUp {
            threads: HashMap::new(),
            others: HashMap::new(),
        }
    }

    /// Counts from now on: an example starts. Inside its runtime.
    pub(crate) fn restart(&mut self) {
        self.threads.clear();
        self.others.clear();
        self.read();
        for thread in Thread::listed() {
            if let Some(waited) = thread.waited() {
                self.others.insert(thread, (waited, waited));
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

    /// How long the threads waited for a CPU since counting began, in all
    /// (a chain of work may move from one thread to another); `None` where
    /// a runtime thread's clocks could not be read, or none could.
    pub(crate) fn in_all(&mut self) -> Option<Duration> {
        self.read();
        let others = self.other_threads();
        Some(self.runtime_threads()? + others)
    }

    /// The runtime's threads' waits, each as the thread itself read them.
    fn runtime_threads(&self) -> Option<Duration> {
        if self.threads.is_empty() {
            return None;
        }
        self.threads
            .values()
            .map(|(first, latest)| {
                let real = latest.at().saturating_duration_since(first.at());
                Some(real.saturating_sub(latest.own_since(first)?))
            })
            .sum()
    }

    /// The other threads' waits, read now.
    fn other_threads(&mut self) -> Duration {
        // A thread started since counting began had waited for nothing then.
        for thread in Thread::listed() {
            if let Some(waited) = thread.waited() {
                self.others.entry(thread).or_default().1 = waited;
            }
        }
        self.others
            .iter()
            .filter(|(thread, _)| !self.threads.contains_key(thread))
            .map(|(_, (first, latest))| latest.saturating_sub(*first))
            .sum()
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
        let mut held = HeldUp::new();
        held.read();
        let start = std::time::Instant::now();
        while start.elapsed() < ms(200) {
            std::hint::spin_loop();
        }
        held.read();
        done.store(true, Ordering::Relaxed);
        hog.join().unwrap();
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
        use rustix::thread::{CpuSet, sched_getaffinity, sched_setaffinity};
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::mpsc;

        let allowed = sched_getaffinity(None).unwrap();
        let cpu = (0..CpuSet::MAX_CPU)
            .find(|&cpu| allowed.is_set(cpu))
            .unwrap();
        let mut one = CpuSet::new();
        one.set(cpu);
        let pin = move || sched_setaffinity(None, &one).unwrap();
        let mut held = HeldUp::new();
        held.restart();
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
        let (computed, wait_for_it) = mpsc::channel();
        let (may_end, end) = mpsc::channel::<()>();
        // It stays alive until counted: an ended thread's waits are gone.
        let job = std::thread::spawn(move || {
            pin();
            let start = std::time::Instant::now();
            while start.elapsed() < ms(200) {
                std::hint::spin_loop();
            }
            computed.send(()).unwrap();
            end.recv().ok();
        });
        wait_for_it.recv().unwrap();
        let in_all = held.in_all();
        done.store(true, Ordering::Relaxed);
        drop(may_end);
        job.join().unwrap();
        hog.join().unwrap();
        let Some(in_all) = in_all else {
            // A kernel without CONFIG_SCHED_INFO counts no waits.
            assert!(std::fs::read("/proc/self/schedstat").is_err());
            return;
        };
        // Half the CPU at most: about 100 ms of the 200 waiting.
        assert!(in_all >= ms(50), "{in_all:?}");
    }
}
