//! Exercise: supervisor
//!
//! A worker crashes now and then (it panics). Write a supervisor that runs
//! it in a task of its own, so that a panic ends the task and not the
//! program, reports the panic's message, and starts the worker again
//! 100 ms later, up to a number of runs in all:
//!
//! ```text
//! 0.0s steady: run 1 started
//! 0.2s steady: steady crashed on run 1
//! 0.3s steady: run 2 started
//! 0.5s steady: steady crashed on run 2
//! 0.6s steady: run 3 started
//! 0.8s broken: run 1 started
//! 1.0s broken: broken crashed on run 1
//! 1.1s broken: run 2 started
//! 1.3s broken: broken crashed on run 2
//! 1.3s broken: gave up after 2 runs
//! 1.3s results: Some(99) None
//! ```
//!
//! (Each panic also prints its message on stderr; the checker shows stderr
//! only when a run fails.)
//!
//! The example that shows how: `cargo run -p error-handling -- task_panics`.

use std::any::Any;
use std::time::Duration;

use tokio::time::sleep;

const RESTART_AFTER: Duration = Duration::from_millis(100);

/// A worker that panics on each of its first `fails` runs.
async fn worker(name: &'static str, run: u32, fails: u32) -> u32 {
    sleep(Duration::from_millis(200)).await;
    if run <= fails {
        panic!("{name} crashed on run {run}");
    }
    99
}

/// Runs the worker in a task of its own, and again after each panic, up
/// to `runs` runs in all.
async fn supervise(name: &'static str, fails: u32, runs: u32) -> Option<u32> {
    // TODO: a panic here ends the whole program.
    Some(worker(name, 1, fails).await)
}

pub async fn run() {
    let steady = supervise("steady", 2, 3).await;
    let broken = supervise("broken", 5, 2).await;
    println!("results: {steady:?} {broken:?}");
}
