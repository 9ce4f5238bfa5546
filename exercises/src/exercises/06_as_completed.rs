//! Exercise: as_completed
//!
//! Spawn the four jobs into a `tokio::task::JoinSet` and print each result
//! as soon as its job finishes, not in the order they were started:
//!
//! ```text
//! 0.3s result: job 2 took 300ms
//! 0.5s result: job 4 took 500ms
//! 0.7s result: job 3 took 700ms
//! 0.9s result: job 1 took 900ms
//! 0.9s all 4 jobs done
//! ```
//!
//! The example that shows how: `cargo run -p concurrency -- as_completed`.

use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::sleep;

async fn job(id: u32, ms: u64) -> String {
    sleep(Duration::from_millis(ms)).await;
    format!("job {id} took {ms}ms")
}

pub async fn run() {
    let mut jobs: JoinSet<String> = JoinSet::new();
    for (id, ms) in [(1, 900), (2, 300), (3, 700), (4, 500)] {
        // TODO: spawn `job(id, ms)` into the set.
    }
    let mut done = 0;
    // TODO: take results with `jobs.join_next().await` until it returns
    // `None`, printing `result: ...` for each.
    println!("all {done} jobs done");
}
