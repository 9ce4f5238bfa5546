//! `asyncio.TaskGroup` and `except*`: a `JoinSet` that fails fast, aborts the
//! sibling tasks, and reports every failure together.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Task Groups (Python 3.11+)"
//!
//! A TaskGroup waits for all its tasks; when one raises, it cancels the
//! others and raises an `ExceptionGroup` with every error, which `except*`
//! takes apart by type. Tokio's building block for this is `JoinSet`:
//! `join_next` in a loop, `abort_all` at the first failure, and keep draining
//! so every task is accounted for. The failures end up in a `Vec`, the
//! counterpart of the exception group, and since Rust errors are typed
//! values, there is nothing to filter by type.
//!
//! Dropping a `JoinSet` aborts whatever is still in it, so leaving `group` by
//! an early return or a panic cancels the tasks too: the group's lifetime is
//! its tasks' lifetime, which is the point of structured concurrency.
//!
//! In the guide every worker takes one second, so by the time C fails, A and
//! B have already succeeded and there is nothing left to cancel. A second
//! group makes C fail after half a second to show the cancelling, and a third
//! shows the success path.

use std::fmt;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::sleep;

#[derive(Debug)]
struct WorkerFailed {
    name: &'static str,
}

impl fmt::Display for WorkerFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Worker {} failed", self.name)
    }
}

impl std::error::Error for WorkerFailed {}

/// Says so if the worker is dropped before it finishes, which is what an
/// `abort` does to a task.
struct CancelNotice {
    name: &'static str,
    finished: bool,
}

impl Drop for CancelNotice {
    fn drop(&mut self) {
        if !self.finished {
            println!("Worker {} cancelled", self.name);
        }
    }
}

async fn worker_with_potential_failure(
    name: &'static str,
    delay: Duration,
    should_fail: bool,
) -> Result<String, WorkerFailed> {
    let mut notice = CancelNotice {
        name,
        finished: false,
    };
    sleep(delay).await;
    notice.finished = true;
    if should_fail {
        return Err(WorkerFailed { name });
    }
    Ok(format!("Success: {name}"))
}

type Job = (&'static str, Duration, bool);

/// Runs the jobs as one group: every result, in job order, if all succeed;
/// or every failure once the first one has cancelled the rest.
async fn group(jobs: &[Job]) -> Result<Vec<String>, Vec<WorkerFailed>> {
    let mut tasks = JoinSet::new();
    for (index, &(name, delay, should_fail)) in jobs.iter().enumerate() {
        tasks.spawn(async move {
            (
                index,
                worker_with_potential_failure(name, delay, should_fail).await,
            )
        });
    }
    let mut results = Vec::new();
    let mut failures = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((index, Ok(result))) => results.push((index, result)),
            Ok((_, Err(failure))) => {
                if failures.is_empty() {
                    tasks.abort_all();
                }
                failures.push(failure);
            }
            // Cancelled by `abort_all` above: accounted for, not a failure.
            Err(error) if error.is_cancelled() => {}
            // A panic in a worker is a bug, not a failure to report: pass it on.
            Err(error) => std::panic::resume_unwind(error.into_panic()),
        }
    }
    if !failures.is_empty() {
        return Err(failures);
    }
    results.sort_by_key(|&(index, _)| index);
    Ok(results.into_iter().map(|(_, result)| result).collect())
}

fn report(outcome: Result<Vec<String>, Vec<WorkerFailed>>) {
    match outcome {
        Ok(results) => println!("All tasks completed successfully: {results:?}"),
        Err(failures) => {
            let messages: Vec<String> = failures.iter().map(ToString::to_string).collect();
            println!("Some tasks failed: {messages:?}");
        }
    }
}

const SECOND: Duration = Duration::from_secs(1);
const HALF_SECOND: Duration = Duration::from_millis(500);

pub async fn run() {
    println!("A, B and C take 1s; C fails:");
    report(
        group(&[
            ("A", SECOND, false),
            ("B", SECOND, false),
            ("C", SECOND, true),
        ])
        .await,
    );

    println!("\nA and B take 1s; C fails at 0.5s:");
    report(
        group(&[
            ("A", SECOND, false),
            ("B", SECOND, false),
            ("C", HALF_SECOND, true),
        ])
        .await,
    );

    println!("\nNobody fails:");
    report(group(&[("A", SECOND, false), ("B", HALF_SECOND, false)]).await);
}
