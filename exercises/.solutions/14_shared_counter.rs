use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::sleep;

pub async fn run() {
    let total = Arc::new(Mutex::new(0u32));
    let mut tasks = Vec::new();
    for page in 1..=5u64 {
        let total = Arc::clone(&total);
        tasks.push(tokio::spawn(async move {
            sleep(Duration::from_millis(100 * page)).await;
            let visits = 10 * page as u32;
            *total.lock().expect("no task panics while holding the lock") += visits;
            println!("page {page} counted");
        }));
    }
    for task in tasks {
        task.await.expect("a task panicked");
    }
    let total = *total.lock().expect("no task panics while holding the lock");
    println!("total visits: {total}");
}
