//! How long the machine kept the runtime's threads from a CPU while they
//! were ready to run: what `check-all --real` needs to tell a difference
//! the machine made from one the example made.
//!
//! On the real clock a race between two events 0.5 s apart goes the other
//! way only if the work between them takes 0.5 s; an example's takes a few
//! milliseconds on an idle machine. Each of the runtime's threads reads its
//! own clocks (`own_time.rs`, exact there) as it parks and as it wakes, so
//! every wait for a CPU between two readings is counted; from them comes
//! the most it waited within any window of a given length.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::own_time::{Reading, Thread};

/// Each runtime thread's readings, taken by the thread itself.
pub(crate) struct HeldUp {
    /// When the counting began: every instant below is real time since.
    origin: Instant,
    threads: HashMap<Thread, Readings>,
    /// The end of the part of the run already asked about.
    asked_until: Duration,
}

struct Readings {
    first: Reading,
    /// At each reading, real time since `origin` and the time waited for a
    /// CPU since `first`, both growing; `None` once a count can't be read.
    waits: Option<Vec<(Duration, Duration)>>,
}

impl HeldUp {
    pub(crate) fn new() -> HeldUp {
        HeldUp {
            origin: Instant::now(),
            threads: HashMap::new(),
            asked_until: Duration::ZERO,
        }
    }

    /// Reads the calling thread's clocks: as it parks, and as it wakes.
    pub(crate) fn read(&mut self) {
        let Some(thread) = Thread::current() else {
            return;
        };
        let reading = Reading::now();
        let at = reading.at().saturating_duration_since(self.origin);
        let readings = self.threads.entry(thread).or_insert_with(|| Readings {
            first: reading,
            waits: Some(Vec::new()),
        });
        let own = reading.own_since(&readings.first);
        let real = reading.at().saturating_duration_since(readings.first.at());
        match (&mut readings.waits, own) {
            (Some(waits), Some(own)) => waits.push((at, real.saturating_sub(own))),
            (waits, _) => *waits = None,
        }
    }

    /// The most any thread waited for a CPU within a `window` of real time
    /// that ended since the last time this was asked (or the start); `None`
    /// where its clocks could not be read.
    pub(crate) fn most_since_asked(&mut self, window: Duration) -> Option<Duration> {
        self.read();
        let until = self.origin.elapsed();
        let since = std::mem::replace(&mut self.asked_until, until);
        let counted = self.threads.values().map(|readings| {
            let waits = readings.waits.as_deref()?;
            Some(most_waited(waits, window, since..=until))
        });
        counted.collect::<Option<Vec<_>>>()?.into_iter().max()
    }
}

/// Given the readings `(real time, time waited for a CPU)`, both growing,
/// the most waited in any `window` that ends at a reading in `ends`:
/// between two readings no further apart than it, or, for two further
/// apart, the part of their waits that must fall in some window between
/// them.
fn most_waited(
    readings: &[(Duration, Duration)],
    window: Duration,
    ends: std::ops::RangeInclusive<Duration>,
) -> Duration {
    let mut most = Duration::ZERO;
    let end_at = readings.partition_point(|&(at, _)| at < *ends.start());
    // The earliest reading within `window` before the current one.
    let mut first = readings.partition_point(|&(at, _)| at + window < *ends.start());
    for &(at, waited) in &readings[end_at..] {
        if at > *ends.end() {
            break;
        }
        while at.saturating_sub(readings[first].0) > window {
            first += 1;
        }
        // Waits only grow: the earliest reading in the window leaves most.
        most = most.max(waited.saturating_sub(readings[first].1));
        // Of readings further apart, the latest: time not spent waiting
        // only grows, so it leaves the most wait that can't fit outside.
        if let Some(&(before_at, before_waited)) = first.checked_sub(1).map(|i| &readings[i]) {
            let outside = (at - before_at).saturating_sub(window);
            most = most.max(waited.saturating_sub(before_waited).saturating_sub(outside));
        }
    }
    most
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(millis: u64) -> Duration {
        Duration::from_millis(millis)
    }

    #[test]
    fn the_most_waited_counts_only_what_fits_in_one_window() {
        let window = ms(400);
        let most = |readings: &[(u64, u64)]| {
            let readings: Vec<_> = readings.iter().map(|&(at, w)| (ms(at), ms(w))).collect();
            most_waited(&readings, window, Duration::ZERO..=Duration::MAX)
        };
        assert_eq!(most(&[]), ms(0));
        assert_eq!(most(&[(0, 0), (1000, 0)]), ms(0));
        // Two waits of 150 ms, each all of the time between its readings,
        // 50 ms apart: one window holds both.
        let close = [(0, 0), (100, 0), (250, 150), (300, 150), (450, 300)];
        assert_eq!(most(&close), ms(300));
        // The same waits 1 s apart: no window holds both.
        let apart = [(0, 0), (100, 0), (250, 150), (1250, 150), (1400, 300)];
        assert_eq!(most(&apart), ms(150));
        // One stretch of 1 s between readings, 900 ms of it waiting: at
        // most 600 ms of real time lies outside a window, so 300 ms is in one.
        assert_eq!(most(&[(0, 0), (1000, 900)]), ms(300));
        assert_eq!(most(&[(0, 0), (500, 450)]), ms(350));
        // Windows that end in a part of the run count only their own waits.
        let readings: Vec<_> = apart.iter().map(|&(at, w)| (ms(at), ms(w))).collect();
        let within = |ends| most_waited(&readings, window, ends);
        assert_eq!(within(ms(200)..=ms(300)), ms(150));
        assert_eq!(within(ms(1000)..=ms(1200)), ms(0));
        assert_eq!(within(ms(1300)..=ms(1400)), ms(150));
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
        let Some(most) = held.most_since_asked(ms(400)) else {
            // A kernel without CONFIG_SCHED_INFO counts no waits.
            assert!(std::fs::read("/proc/self/schedstat").is_err());
            return;
        };
        // Half the CPU at most: about 100 ms of the 200 waiting.
        assert!(most >= ms(50), "{most:?}");
    }
}
