//! Guards the runner's and the exercise checker's judgements of real time
//! against a busy machine: a thread's own time, the real time it ran or
//! waited on something (a sleep, a lock, a pipe, a child), less the time it
//! waited for a CPU.
//!
//! The kernel counts, for each thread, the time it ran and the time it
//! waited for a CPU (`/proc/self/task/<tid>/schedstat`, its first two
//! numbers). A machine busy with other work lengthens only that wait: a
//! `std::thread::sleep` or a loop that never yields takes as much own time
//! as ever, and a thread that nothing holds up takes next to none. A wait
//! the thread is in when it is read is counted only once it ends: read by
//! another thread while it may be waiting (it is runnable), only the time
//! it ran is sure to be its own. So the own time a reading gives is never
//! more than the thread's, and exact where the thread reads itself or
//! sleeps. Where `/proc` can't be read there is no own time, and the caller
//! says what real time alone can't tell.

use std::time::{Duration, Instant};

/// A thread of this process, by its kernel id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Thread(u32);

thread_local! {
    static CURRENT: Option<Thread> = current();
}

/// The calling thread, from `/proc/thread-self`, a link to
/// `<pid>/task/<tid>`.
fn current() -> Option<Thread> {
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    let tid = link.file_name()?.to_str()?.parse().ok()?;
    Some(Thread(tid))
}

impl Thread {
    /// A thread id made up for a test.
    #[cfg(test)]
    pub(crate) fn made_up(tid: u32) -> Thread {
        Thread(tid)
    }

    /// The calling thread; `None` where `/proc` does not say.
    pub fn current() -> Option<Thread> {
        CURRENT.with(|thread| *thread)
    }

    /// The threads `/proc/self/task` lists. A listing can miss a live
    /// thread while another one exits.
    pub fn listed() -> Vec<Thread> {
        let Ok(entries) = std::fs::read_dir("/proc/self/task") else {
            return Vec::new();
        };
        let ids = entries.flatten().filter_map(|entry| {
            let tid = entry.file_name().to_str()?.parse().ok()?;
            Some(Thread(tid))
        });
        ids.collect()
    }

    /// Its clocks now, read from another thread.
    pub fn read(self) -> Reading {
        // Three reads, not one: the state and the counts can't be read at
        // once, and a thread that changed state between two reads would
        // lend the counts a state they were not taken in.
        let before = self.schedstat();
        let state = self.state();
        let after = self.schedstat();
        Reading {
            sure_of_waits: sure_of_waits(&before, state.as_deref(), &after),
            ..before
        }
    }

    /// How long it has waited for a CPU in all, read from another thread: a
    /// wait under way is not in it until it ends.
    pub fn waited(self) -> Option<Duration> {
        self.schedstat().waited
    }

    /// Its state's letter (`R` for runnable, `S` asleep...), if it can be
    /// read.
    fn state(self) -> Option<String> {
        let stat = std::fs::read_to_string(format!("/proc/self/task/{}/stat", self.0)).ok()?;
        // The state follows the name, which is in parentheses and may hold
        // any character.
        let (_, after) = stat.rsplit_once(')')?;
        after.split_whitespace().next().map(str::to_owned)
    }

    fn schedstat(self) -> Reading {
        let at = Instant::now();
        let text = std::fs::read_to_string(format!("/proc/self/task/{}/schedstat", self.0));
        let numbers: Vec<Duration> = text
            .ok()
            .map(|text| {
                let numbers = text.split_whitespace().map_while(|n| n.parse().ok());
                numbers.map(Duration::from_nanos).collect()
            })
            .unwrap_or_default();
        Reading {
            at,
            ran: numbers.first().copied(),
            waited: numbers.get(1).copied(),
            sure_of_waits: true,
        }
    }
}

/// Whether every wait for a CPU until `before` is counted in it, given the
/// thread's `state` read after it and the counts `after` read after that.
/// A thread runnable at `before` may be in a wait not counted yet, which
/// only its getting a CPU ends and counts. It can't leave the runqueue
/// without running, and running changes its counts: counts unchanged
/// around a state other than runnable mean it was not runnable at `before`.
fn sure_of_waits(before: &Reading, state: Option<&str>, after: &Reading) -> bool {
    let unchanged = (before.ran, before.waited) == (after.ran, after.waited);
    unchanged && state.is_some_and(|state| state != "R")
}

/// One reading of a thread's clocks.
#[derive(Clone, Copy, Debug)]
pub struct Reading {
    at: Instant,
    /// How long the thread had run, and waited for a CPU, in all, if that
    /// could be read.
    ran: Option<Duration>,
    waited: Option<Duration>,
    /// Whether every wait for a CPU until then is in `waited`: the thread
    /// read itself, or slept.
    sure_of_waits: bool,
}

impl Reading {
    /// The calling thread's clocks now, exact; real time alone where they
    /// can't be read.
    pub fn now() -> Reading {
        Thread::current().map_or_else(Reading::real_time, Thread::schedstat)
    }

    /// Real time alone, now: the reading of a thread that can't be read.
    pub fn real_time() -> Reading {
        Reading {
            at: Instant::now(),
            ran: None,
            waited: None,
            sure_of_waits: false,
        }
    }

    /// A reading made up for a test: at `at`, the thread having run `ran`
    /// and waited `waited` for a CPU, if those could be read.
    #[cfg(test)]
    pub(crate) fn made_up(at: Instant, ran: Option<Duration>, waited: Option<Duration>) -> Reading {
        Reading {
            at,
            ran,
            waited,
            sure_of_waits: true,
        }
    }

    /// When it was taken.
    pub fn at(&self) -> Instant {
        self.at
    }

    /// The thread's own time from `earlier`, a reading of the same thread,
    /// to this one, or as much of it as is sure; `None` if either could not
    /// be read.
    pub fn own_since(&self, earlier: &Reading) -> Option<Duration> {
        let real = self.at.saturating_duration_since(earlier.at);
        if self.sure_of_waits {
            let waited = self.waited?.saturating_sub(earlier.waited?);
            Some(real.saturating_sub(waited))
        } else {
            Some(self.ran?.saturating_sub(earlier.ran?).min(real))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sleep is own time, whether the thread reads itself or another
    /// thread reads it asleep. (A busy machine can't be made here; what
    /// must hold is that the sleep's own time does not shrink.)
    #[cfg(target_os = "linux")]
    #[test]
    fn a_sleep_is_own_time() {
        let (asleep, sleeping) = std::sync::mpsc::channel();
        let (woken, wake) = std::sync::mpsc::channel::<()>();
        let sleeper = std::thread::spawn(move || {
            let before = Reading::now();
            asleep.send(Thread::current()).unwrap();
            std::thread::sleep(Duration::from_millis(50));
            let after = Reading::now();
            let _ = wake.recv();
            after.own_since(&before)
        });
        let thread = sleeping.recv().unwrap().expect("/proc/thread-self");
        let first = thread.read();
        std::thread::sleep(Duration::from_millis(100));
        // Asleep in `recv` by now, or still in its sleep: either way asleep.
        let second = thread.read();
        woken.send(()).unwrap();
        let own = sleeper.join().unwrap().expect("schedstat is readable");
        assert!(own >= Duration::from_millis(50), "{own:?}");
        let seen = second.own_since(&first).expect("schedstat is readable");
        assert!(seen <= second.at().duration_since(first.at()), "{seen:?}");
    }

    /// Read asleep, the counts must be those of a thread not runnable:
    /// unchanged around the state. A thread that ran between the reads
    /// may have been runnable at the first, in a wait not yet counted.
    #[test]
    fn only_counts_unchanged_around_a_sleeping_state_are_sure_of_waits() {
        let at = Instant::now();
        let counts = |ran, waited| {
            Reading::made_up(
                at,
                Some(Duration::from_millis(ran)),
                Some(Duration::from_millis(waited)),
            )
        };
        assert!(sure_of_waits(&counts(5, 1), Some("S"), &counts(5, 1)));
        assert!(sure_of_waits(&counts(5, 1), Some("D"), &counts(5, 1)));
        // Got a CPU between the reads: its wait before it is counted only now.
        assert!(!sure_of_waits(&counts(5, 1), Some("S"), &counts(6, 3)));
        assert!(!sure_of_waits(&counts(5, 1), Some("S"), &counts(5, 3)));
        assert!(!sure_of_waits(&counts(5, 1), Some("R"), &counts(5, 1)));
        assert!(!sure_of_waits(&counts(5, 1), None, &counts(5, 1)));
    }

    #[test]
    fn a_runnable_thread_read_by_another_is_only_sure_of_the_time_it_ran() {
        let at = Instant::now();
        let reading = |secs, ran, waited, sure_of_waits| Reading {
            at: at + Duration::from_secs(secs),
            ran: Some(Duration::from_secs(ran)),
            waited,
            sure_of_waits,
        };
        let before = reading(0, 0, Some(Duration::ZERO), true);
        // Ran 1s, waited 1s for a CPU, slept 1s.
        let asleep = reading(3, 1, Some(Duration::from_secs(1)), true);
        assert_eq!(asleep.own_since(&before), Some(Duration::from_secs(2)));
        // Ran 1s, and may have waited for a CPU since: only the 1s is sure.
        let runnable = reading(3, 1, Some(Duration::ZERO), false);
        assert_eq!(runnable.own_since(&before), Some(Duration::from_secs(1)));
        let unread = reading(3, 1, None, true);
        assert_eq!(unread.own_since(&before), None);
    }
}
