use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::sleep;

async fn job(id: u32, ms: u64) -> String {
    sleep(Duration::from_millis(ms)).await;
    format!("job {id} took {ms}ms")
}

pub async fn run() {
    let mut jobs = JoinSet::new();
    for (id, ms) in [(1, 900), (2, 300), (3, 700), (4, 500)] {
        jobs.spawn(job(id, ms));
    }
    let mut done = 0;
    while let Some(result) = jobs.join_next().await {
        println!("result: {}", result.expect("a job panicked"));
        done += 1;
    }
    println!("all {done} jobs done");
}
