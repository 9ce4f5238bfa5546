//! `let _ = permits.acquire().await` gives the permit back at once: the
//! second task starts at 0.0s, not at 1.0s.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::sleep;

pub async fn run() {
    let permits = Arc::new(Semaphore::new(1));
    let mut tasks = JoinSet::new();
    for id in 1..=2 {
        let permits = Arc::clone(&permits);
        tasks.spawn(async move {
            let _ = permits.acquire().await;
            println!("{id} started");
            sleep(Duration::from_secs(1)).await;
        });
    }
    tasks.join_all().await;
}
