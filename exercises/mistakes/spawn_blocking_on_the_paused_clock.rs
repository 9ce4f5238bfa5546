//! A learner's `no_blocking` that follows the hint's `spawn_blocking`: the
//! sleep runs on a blocking thread, and the heartbeat goes on. But Tokio's
//! paused clock does not move while a blocking task runs, so "work done"
//! comes at 0.0s. The checker must say why (`verify`).

use std::time::Duration;

async fn work() {
    tokio::task::spawn_blocking(|| std::thread::sleep(Duration::from_millis(1200)))
        .await
        .expect("the blocking work panicked");
    println!("work done");
}

pub async fn run() {
    let heartbeat = tokio::spawn(async {
        for beat in 1..=3 {
            tokio::time::sleep(Duration::from_millis(500)).await;
            println!("heartbeat {beat}");
        }
    });
    work().await;
    heartbeat.await.expect("the heartbeat panicked");
}
