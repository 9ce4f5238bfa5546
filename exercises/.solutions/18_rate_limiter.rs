use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

pub async fn run() {
    let per_second = Arc::new(Semaphore::new(2));
    // The tasks that give the permits back, held so that the last ones stop
    // when `run` returns rather than running on, detached.
    let mut returns = JoinSet::new();
    for call in 1..=5 {
        let permit = Arc::clone(&per_second)
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        returns.spawn(async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            drop(permit);
        });
        println!("call {call} started");
    }
}
