use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

pub async fn run() {
    let per_second = Arc::new(Semaphore::new(2));
    for call in 1..=5 {
        let permit = Arc::clone(&per_second)
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            drop(permit);
        });
        println!("call {call} started");
    }
}
