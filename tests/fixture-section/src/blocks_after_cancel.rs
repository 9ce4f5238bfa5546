//! Starts a `spawn_blocking` job that runs until `run()` tells it to stop,
//! which a cancellation at the `.await` in between never does: a blocking
//! job can't be cancelled, only asked.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub async fn run() -> Result<(), tokio::task::JoinError> {
    let stop = Arc::new(AtomicBool::new(false));
    let job = tokio::task::spawn_blocking({
        let stop = Arc::clone(&stop);
        move || {
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    });
    tokio::task::yield_now().await;
    stop.store(true, Ordering::Relaxed);
    job.await?;
    println!("done");
    Ok(())
}
