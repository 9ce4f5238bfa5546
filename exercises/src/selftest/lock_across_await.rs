//! A Tokio `Mutex` guard held while sleeping: the two tasks take turns, so
//! the second is done at 2.0s, not at 1.0s.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::task::JoinSet;
use tokio::time::sleep;

pub async fn run() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = JoinSet::new();
    for id in 1..=2 {
        let log = Arc::clone(&log);
        tasks.spawn(async move {
            let mut entries = log.lock().await;
            sleep(Duration::from_secs(1)).await;
            entries.push(id);
            println!("{id} done");
        });
    }
    tasks.join_all().await;
}
