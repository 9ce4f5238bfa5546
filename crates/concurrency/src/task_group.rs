//! `asyncio.TaskGroup` and `except*`: a `JoinSet` that fails fast, aborts the
//! sibling tasks, and reports every failure together.
//!
//! A TaskGroup waits for all its tasks; when one raises, it cancels the
//! others, waits until they have stopped, and raises an `ExceptionGroup`
//! with every error, which `except*` takes apart by type. Tokio's building
//! block for this is `JoinSet`: `join_next` in a loop, `abort_all` at the
//! first failure, and keep draining until the set is empty. The drain is
//! what waits for the cancelled tasks: each comes back as a `JoinError` that
//! `is_cancelled`, and `join_next_with_id` says which task it was.
//! `JoinSet::shutdown().await` is exactly `abort_all` plus that drain, but it
//! throws the results away. `group` writes the loop out because a second
//! failure belongs in the report, and calls `shutdown` where nothing is left
//! to report, before passing on a worker's panic. The failures end up in a
//! `Vec`, the counterpart of the exception group; Rust errors are typed
//! values, so there is nothing to filter by type. Tasks that fail or are
//! cancelled at the same instant come out of `join_next` in no documented
//! order, so `group` reports them in job order.
//!
//! Dropping a `JoinSet` instead, which is what happens if `group` itself is
//! cancelled (a caller's timeout, a lost `select!`) or unwinds, aborts the
//! tasks still in it but does not wait for them: a destructor cannot
//! `.await`, so each task stops later, when the runtime gets to it.
//! Python's `TaskGroup`, cancelled from outside, still waits for its
//! children before the cancellation goes on. In Rust, code that must know
//! its tasks have stopped calls `shutdown().await` itself, on a path that is
//! not being cancelled.
//!
//! In the guide every worker takes one second, so by the time C fails, A and
//! B have already succeeded and there is nothing left to cancel. So it is
//! here on the current-thread runtime, as it behaves at the time of writing:
//! the three timers are due at the same instant, and the runtime runs all
//! three woken tasks before `group` looks at C's failure. On a multi-thread
//! runtime A or B may still be cancelled. A second group makes C fail after
//! half a second to show the cancelling, and a third shows the success path.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Task Groups (Python 3.11+)"

use std::collections::HashMap;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::sleep;

#[derive(Debug, thiserror::Error)]
#[error("Worker {name} failed")]
struct WorkerFailed {
    name: &'static str,
}

async fn worker_with_potential_failure(
    name: &'static str,
    delay: Duration,
    should_fail: bool,
) -> Result<String, WorkerFailed> {
    sleep(delay).await;
    if should_fail {
        return Err(WorkerFailed { name });
    }
    Ok(format!("Success: {name}"))
}

type Job = (&'static str, Duration, bool);

/// How a group ends when a worker fails: every failure, and every worker
/// cancelled because of it, in job order.
struct GroupFailed {
    failures: Vec<WorkerFailed>,
    cancelled: Vec<&'static str>,
}

/// Runs the jobs as one group: every result, in job order, if all succeed;
/// otherwise the failures, once the first one has cancelled the rest and
/// they have all stopped.
async fn group(jobs: &[Job]) -> Result<Vec<String>, GroupFailed> {
    let mut tasks = JoinSet::new();
    let mut job_index = HashMap::new();
    for (index, &(name, delay, should_fail)) in jobs.iter().enumerate() {
        let task = tasks.spawn(worker_with_potential_failure(name, delay, should_fail));
        job_index.insert(task.id(), index);
    }
    let mut results = Vec::new();
    let mut failures = Vec::new();
    let mut cancelled = Vec::new();
    while let Some(joined) = tasks.join_next_with_id().await {
        match joined {
            Ok((id, Ok(result))) => results.push((job_index[&id], result)),
            Ok((id, Err(failure))) => {
                if failures.is_empty() {
                    tasks.abort_all();
                }
                failures.push((job_index[&id], failure));
            }
            // Cancelled by `abort_all` above, and now known to have stopped.
            Err(error) if error.is_cancelled() => cancelled.push(job_index[&error.id()]),
            // A panic in a worker is a bug, not a failure to report: stop the
            // other workers, wait until they have, and pass the panic on.
            Err(error) => {
                tasks.shutdown().await;
                std::panic::resume_unwind(error.into_panic());
            }
        }
    }
    if !failures.is_empty() {
        failures.sort_by_key(|&(index, _)| index);
        cancelled.sort_unstable();
        return Err(GroupFailed {
            failures: failures.into_iter().map(|(_, failure)| failure).collect(),
            cancelled: cancelled.into_iter().map(|index| jobs[index].0).collect(),
        });
    }
    results.sort_by_key(|&(index, _)| index);
    Ok(results.into_iter().map(|(_, result)| result).collect())
}

fn report(outcome: Result<Vec<String>, GroupFailed>) {
    match outcome {
        Ok(results) => println!("All tasks completed successfully: {results:?}"),
        Err(GroupFailed {
            failures,
            cancelled,
        }) => {
            let messages: Vec<String> = failures.iter().map(ToString::to_string).collect();
            println!("Some tasks failed: {messages:?}");
            if !cancelled.is_empty() {
                println!("Cancelled and stopped: {cancelled:?}");
            }
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
