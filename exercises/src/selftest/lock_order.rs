//! Two tasks take the same two locks in opposite orders, each pausing with
//! the first held: each then waits for the lock the other holds, and the
//! run never ends.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::task::JoinSet;
use tokio::time::sleep;

pub async fn run() {
    let left = Arc::new(Mutex::new(0));
    let right = Arc::new(Mutex::new(0));
    let mut tasks = JoinSet::new();
    for (first, second) in [(Arc::clone(&left), Arc::clone(&right)), (right, left)] {
        tasks.spawn(async move {
            let mut held = first.lock().await;
            sleep(Duration::from_secs(1)).await;
            let mut wanted = second.lock().await;
            *held += 1;
            *wanted += 1;
            println!("moved");
        });
    }
    tasks.join_all().await;
    println!("done");
}
