//! Exercise: task_group
//!
//! Run a group of jobs at once and collect their results, but fail fast:
//! at the first error, cancel the jobs still running, wait until they are
//! really gone, say which they were, and return the error. As shipped,
//! `group` goes on waiting for every job after one failed:
//!
//! ```text
//! 0.1s job 1 done
//! 0.2s job 2 done
//! 0.2s first group: Ok([10, 20])
//! 0.3s job 3 done
//! 0.5s failed: job 5: disk full
//! 0.5s cancelled jobs [4, 6]
//! 0.5s second group: Err("job 5: disk full")
//! ```
//!
//! The example that shows how: `cargo run -p concurrency -- task_group`.

use std::collections::HashMap;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::sleep;

async fn job(id: u32, takes_ms: u64, fails: bool) -> Result<u32, String> {
    sleep(Duration::from_millis(takes_ms)).await;
    if fails {
        return Err(format!("job {id}: disk full"));
    }
    println!("job {id} done");
    Ok(id * 10)
}

/// Every job's result, or the first error, after which the other jobs are
/// cancelled, and gone, before it returns.
async fn group(jobs: &[(u32, u64, bool)]) -> Result<Vec<u32>, String> {
    let mut set = JoinSet::new();
    for &(id, takes_ms, fails) in jobs {
        set.spawn(job(id, takes_ms, fails));
    }
    let mut results = Vec::new();
    let mut first_error = None;
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok(Ok(value)) => results.push(value),
            // TODO: fail fast, and say which jobs were cancelled.
            Ok(Err(error)) => {
                println!("failed: {error}");
                first_error.get_or_insert(error);
            }
            Err(error) => return Err(format!("a job panicked: {error}")),
        }
    }
    match first_error {
        Some(error) => Err(error),
        None => Ok(results),
    }
}

pub async fn run() {
    let ok = group(&[(1, 100, false), (2, 200, false)]).await;
    println!("first group: {ok:?}");
    let failed = group(&[
        (3, 100, false),
        (4, 500, false),
        (5, 300, true),
        (6, 1000, false),
    ])
    .await;
    println!("second group: {failed:?}");
}
