//! Spawns a task that never ends, and returns without stopping it.

use std::time::Duration;

pub async fn run() {
    tokio::spawn(async {
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    println!("returned");
}
