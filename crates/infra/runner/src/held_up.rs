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
use std::time::Duration;

use crate::own_time::{Reading, Thread};

/// Each runtime thread's readings, taken by the thread itself.
#[derive(Default)]
pub(crate) struct HeldUp {
    readings: HashMap<Thread, Vec<Reading>>,
}

impl HeldUp {
    /// Reads the calling thread's clocks: as it parks, and as it wakes.
    pub(crate) fn read(&mut self) {
        if let Some(thread) = Thread::current() {
            let readings = self.readings.entry(thread).or_default();
            readings.push(Reading::now());
        }
    }

    /// The most any thread waited for a CPU within a `window` of real time;
    /// `None` where its clocks could not be read.
    pub(crate) fn most(&self, window: Duration) -> Option<Duration> {
        let counted = self.readings.values().filter_map(|readings| {
            let first = readings.first()?;
            // Real time since the first reading, and how much of it was a wait.
            let waits = readings.iter().map(|reading| {
                let real = reading.at().saturating_duration_since(first.at());
                let own = reading.own_since(first)?;
                Some((real, real.saturating_sub(own)))
            });
            let waits: Option<Vec<_>> = waits.collect();
            Some(most_waited(&waits?, window))
        });
        counted.max()
    }
}

/// Given the readings `(real time, time waited for a CPU)`, both counted
/// from the first and growing, the most waited in any `window`: between two
/// readings no further apart than it, or, for two further apart, the part
/// of their waits that must fall in some window between them.
fn most_waited(readings: &[(Duration, Duration)], window: Duration) -> Duration {
    let mut most = Duration::ZERO;
    // The earliest reading within `window` before the current one.
    let mut first = 0;
    for &(at, waited) in readings {
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
            most_waited(&readings, window)
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
        let mut held = HeldUp::default();
        held.read();
        let start = std::time::Instant::now();
        while start.elapsed() < ms(200) {
            std::hint::spin_loop();
        }
        held.read();
        done.store(true, Ordering::Relaxed);
        hog.join().unwrap();
        let most = held.most(ms(400)).expect("schedstat is readable");
        // Half the CPU at most: about 100 ms of the 200 waiting.
        assert!(most >= ms(50), "{most:?}");
    }
}
