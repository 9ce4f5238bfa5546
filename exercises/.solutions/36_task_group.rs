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
    let mut ids = HashMap::new();
    for &(id, takes_ms, fails) in jobs {
        let handle = set.spawn(job(id, takes_ms, fails));
        ids.insert(handle.id(), id);
    }
    let mut results = Vec::new();
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok(Ok(value)) => results.push(value),
            Ok(Err(error)) => {
                println!("failed: {error}");
                set.abort_all();
                // `abort` only asks; a task is gone when its result is in.
                let mut cancelled: Vec<u32> = Vec::new();
                while let Some(joined) = set.join_next_with_id().await {
                    if let Err(error) = joined
                        && error.is_cancelled()
                    {
                        cancelled.extend(ids.get(&error.id()));
                    }
                }
                cancelled.sort_unstable();
                println!("cancelled jobs {cancelled:?}");
                return Err(error);
            }
            Err(error) => return Err(format!("a job panicked: {error}")),
        }
    }
    Ok(results)
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
