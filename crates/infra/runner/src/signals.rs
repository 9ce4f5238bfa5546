//! Guards that Ctrl-C stops a section binary again once the example that
//! caught it is done.
//!
//! Tokio registers a signal's handler the first time an example listens
//! for it (`ctrl_c()`, `signal(kind)`) and never removes it: its docs say
//! so, and `signal_enable` registers each signal once per process
//! (`tokio/src/signal/unix.rs`). After that example, the signal only wakes
//! whoever listens, and nobody does: `real-world background_services
//! fetch_with_timeout` ignored a Ctrl-C sent during the second example.
//! Putting `SIG_DFL` back would take unsafe code, and Tokio would never
//! register again, so a later example that listens would be killed by its
//! own lesson. Instead the runner adds, after the example, an action of its
//! own beside Tokio's (signal-hook, on the registry both share): while it
//! is armed, it does what the default would, so a Ctrl-C kills the process
//! by SIGINT as it would have before. It is disarmed while an example that
//! declares the signal runs, which then gets it as it would alone. (A
//! signal the process started with ignored, as `nohup` leaves SIGHUP, comes
//! back as its default, not ignored: Tokio's handler replaced that first.)
//!
//! An example declares what it catches (`example!(x).catches(&[SIGINT])`).
//! On Linux the runner checks the declaration against the process's caught
//! signals (`SigCgt` in `/proc/self/status`): an example that catches one
//! it does not declare fails, so the golden check finds it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The signals an example may declare, for its section's `main.rs`.
pub use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM, SIGUSR1, SIGUSR2};

/// The signals checked against the declarations: those whose default ends
/// the process and that an example could listen for. Not every caught
/// signal: glibc catches real-time ones of its own (33 was seen while the
/// runner recorded a timeline), and SIGCHLD's default is to ignore it.
/// (SIGPIPE is left out too: Rust starts every program with it ignored.)
const CHECKED: [i32; 7] = [
    signal_hook::consts::SIGALRM,
    SIGHUP,
    SIGINT,
    signal_hook::consts::SIGQUIT,
    SIGTERM,
    SIGUSR1,
    SIGUSR2,
];

/// The runner's action for each signal an example has caught, and whether
/// it is armed.
#[derive(Default)]
pub(crate) struct Defaults {
    armed: BTreeMap<i32, Arc<AtomicBool>>,
}

/// The signals the process catches, as a mask of bit `signal - 1`, where
/// it can be read.
pub(crate) fn caught() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let mask = status
        .lines()
        .find_map(|line| line.strip_prefix("SigCgt:"))?;
    u64::from_str_radix(mask.trim(), 16).ok()
}

impl Defaults {
    /// Before an example: the signals it declares go to it, as they would
    /// if it ran alone.
    pub(crate) fn disarm(&self, declared: &[i32]) {
        for signal in declared {
            if let Some(armed) = self.armed.get(signal) {
                armed.store(false, Ordering::SeqCst);
            }
        }
    }

    /// After an example, once its runtime is gone: every signal it declares,
    /// and every one it caught since `before`, does its default again.
    /// Names the signals it caught undeclared, an error.
    pub(crate) fn rearm(&mut self, declared: &[i32], before: Option<u64>) -> Result<(), String> {
        let mut undeclared = Vec::new();
        let mut signals = declared.to_vec();
        if let (Some(before), Some(after)) = (before, caught()) {
            for signal in CHECKED {
                let bit = 1u64 << (signal - 1);
                if after & bit != 0 && before & bit == 0 && !declared.contains(&signal) {
                    undeclared.push(signal);
                    signals.push(signal);
                }
            }
        }
        for signal in signals {
            let armed = match self.armed.get(&signal) {
                Some(armed) => armed,
                None => {
                    let armed = Arc::new(AtomicBool::new(false));
                    signal_hook::flag::register_conditional_default(signal, armed.clone())
                        .map_err(|error| {
                            format!(
                                "cannot restore the default action of {}: {error}",
                                name(signal)
                            )
                        })?;
                    self.armed.entry(signal).or_insert(armed)
                }
            };
            armed.store(true, Ordering::SeqCst);
        }
        if undeclared.is_empty() {
            return Ok(());
        }
        let names: Vec<_> = undeclared.into_iter().map(name).collect();
        Err(format!(
            "caught {} without declaring it: add `.catches(&[{}])` to its `example!` in main.rs, \
             so that the runner gives the signal its default action back after it",
            names.join(", "),
            names.join(", ")
        ))
    }
}

fn name(signal: i32) -> String {
    signal_hook::low_level::signal_name(signal)
        .map_or_else(|| format!("signal {signal}"), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A signal caught during a run is armed after it and named if
    /// undeclared; declared, it is disarmed before the next run.
    #[test]
    fn a_signal_caught_undeclared_is_named() {
        let mut defaults = Defaults::default();
        let Some(before) = caught() else {
            return; // no /proc: nothing to check against
        };
        // The test's own action makes the signal caught, as Tokio's would.
        let _id = signal_hook::flag::register(SIGUSR2, Arc::new(AtomicBool::new(false)))
            .expect("registered");
        let error = defaults.rearm(&[], Some(before)).expect_err("undeclared");
        assert!(
            error.starts_with("caught SIGUSR2 without declaring it"),
            "{error}"
        );
        assert!(defaults.armed[&SIGUSR2].load(Ordering::SeqCst));
        defaults.disarm(&[SIGUSR2]);
        assert!(!defaults.armed[&SIGUSR2].load(Ordering::SeqCst));
        let before = caught();
        assert_eq!(defaults.rearm(&[SIGUSR2], before), Ok(()));
    }
}
