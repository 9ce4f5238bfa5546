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

/// The text of a panic's payload: `panic!` with arguments makes a
/// `String`, with a literal alone a `&str`.
fn message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("a panic")
}

/// Runs the worker in a task of its own, and again after each panic, up
/// to `runs` runs in all.
async fn supervise(name: &'static str, fails: u32, runs: u32) -> Option<u32> {
    for run in 1..=runs {
        println!("{name}: run {run} started");
        // The panic stays in the task; its `JoinHandle` reports it.
        match tokio::spawn(worker(name, run, fails)).await {
            Ok(value) => return Some(value),
            Err(error) if error.is_panic() => {
                println!("{name}: {}", message(&*error.into_panic()));
            }
            Err(error) => {
                println!("{name}: {error}");
                return None;
            }
        }
        if run < runs {
            sleep(RESTART_AFTER).await;
        }
    }
    println!("{name}: gave up after {runs} runs");
    None
}

pub async fn run() {
    let steady = supervise("steady", 2, 3).await;
    let broken = supervise("broken", 5, 2).await;
    println!("results: {steady:?} {broken:?}");
}
