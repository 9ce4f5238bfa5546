//! `asyncio.TaskGroup` and `except*`: a `JoinSet` that fails fast, aborts the
//! sibling tasks, and reports every failure together.
//!
//! `task_groups_example` drains `join_next`, calls `abort_all` at the first
//! failure and keeps draining, which waits for the cancelled tasks as a
//! TaskGroup does; the failures are a `Vec`, the exception group. A `JoinSet`
//! dropped instead (its owner cancelled) aborts its tasks without waiting.
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
async fn task_groups_example(jobs: &[Job]) -> Result<Vec<String>, GroupFailed> {
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
    // In job order: `join_next` documents none for tasks ending at one
    // instant.
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
    // The guide's group, where every worker takes a second, so when C fails
    // A and B are done. The three timers are due at one instant, and the
    // current-thread runtime, as it behaves at the time of writing, runs all
    // three woken tasks before C's failure is seen, so nothing is left to
    // cancel; on the multi-thread runtime A or B may still be cancelled.
    println!("A, B and C take 1s; C fails:");
    report(
        task_groups_example(&[
            ("A", SECOND, false),
            ("B", SECOND, false),
            ("C", SECOND, true),
        ])
        .await,
    );

    // C fails first, so A and B are cancelled.
    println!("\nA and B take 1s; C fails at 0.5s:");
    report(
        task_groups_example(&[
            ("A", SECOND, false),
            ("B", SECOND, false),
            ("C", HALF_SECOND, true),
        ])
        .await,
    );

    println!("\nNobody fails:");
    report(task_groups_example(&[("A", SECOND, false), ("B", HALF_SECOND, false)]).await);
}
