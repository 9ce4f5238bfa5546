//! Tokio task dumps a reader can act on. A [`Tracker`], a layer of the
//! process's `tracing` subscriber, records what Tokio's own instrumentation
//! reports as the program runs (under `--cfg tokio_unstable` with Tokio's `tracing`
//! feature, the reports tokio-console reads): each task's spawn, and each
//! `Mutex`, `RwLock`, `Semaphore`, `Barrier`, `oneshot` and sleep with who
//! takes, releases and waits for it. [`TaskDumps`] then takes Tokio's task
//! dump (`Handle::dump`) on the current-thread runtime (on the multi-thread
//! one it can leave a worker blocked for good, tokio-rs/tokio#7478, and
//! tracing `main` there loses wakes: `main` and the tasks have only what the
//! tracker saw), and [`report`] puts the two
//! together: each task under the one that spawned it, its own frames down
//! to the `.await` it waits at, what it waits in, the locks it holds and
//! waits for, and a verdict only where the run proves one: a deadlock for a
//! cycle of tasks that wait only for locks one of them holds, a stall when
//! nothing moved between two dumps and no timer, socket, blocking job or
//! thread outside the runtime is left to wake a task, and
//! "can't tell" where a wait the dump can't see through may end it.
//!
//! The runner's `--dump-at` and `--timeout` use it, and so does the recipe
//! `dump_stuck_tasks`, whose export copies this crate beside it.

mod dump;
mod fold;
mod render;
mod report;
mod tracker;

use std::time::Duration;

pub use dump::{
    AVAILABLE, Backtraces, Dump, Files, Frame, Own, PATIENCE, Taken, TaskDumps, Twice, UNAVAILABLE,
    sockets,
};
pub use fold::{Place, Wait, fold, short_path, simplify};
pub use render::{MAX_ENTRIES, names_label};
pub use report::{Entry, Fact, Holder, Report, Unseen, Verdict, report, report_ended};
pub use tracker::{Actor, Guard, Tracker};

/// How far apart the two dumps of [`TaskDumps::dump_twice`] are: tasks
/// stuck for good don't move in between.
pub const BEAT: Duration = Duration::from_millis(100);

/// `1.0s`, `0.25s`: seconds with at least one decimal, as many as needed.
/// (The workspace's `protocol` crate, which has no Tokio, keeps a copy for
/// a dump's first line; the runner's tests check the two agree.)
pub fn seconds(duration: Duration) -> String {
    let millis = duration.as_millis();
    let fraction = format!("{:03}", millis % 1000);
    let fraction = fraction.trim_end_matches('0');
    // `0<1` pads an empty fraction to `0`.
    format!("{}.{:0<1}s", millis / 1000, fraction)
}

/// A task's id as the number Tokio's tracing gives it (the `task.id` of its
/// spawn): Tokio has no accessor for it, but prints that number; `None` if
/// a Tokio printed something else.
pub fn task_number(id: tokio::task::Id) -> Option<u64> {
    id.to_string().parse().ok()
}

// The tests share a process, each with a tracker of its own (a registry of
// it alone) as the default subscriber of every thread that runs its Tokio
// code (the test's thread, and each worker's in the multi-thread test), and
// none sets a global one. That
// is safe only because every thread that reaches Tokio's instrumentation has
// a `Tracker` as its default, and every `Tracker` takes the same interest in
// each place: tracing-core decides once, for the whole process, whether a
// place's spans and events reach any subscriber, from the subscribers there
// are when it first runs, and while only one dispatcher is registered, from
// the default of the thread that gets there first. A thread with no
// subscriber would decide "never" for all of them. So a test there either
// sets a tracker on each thread that runs Tokio code before any runs, as
// `dump_at` does, or touches no Tokio at all. (Their expected reports name
// lines of tests.rs: this note stays here.)
#[cfg(test)]
mod tests;
