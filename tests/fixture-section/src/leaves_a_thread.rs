//! Starts a plain thread that runs until `run()` tells it to stop, which a
//! cancellation at the `.await` in between never does.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub async fn run() {
    let stop = Arc::new(AtomicBool::new(false));
    std::thread::spawn({
        let stop = Arc::clone(&stop);
        move || {
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    });
    tokio::task::yield_now().await;
    stop.store(true, Ordering::Relaxed);
    println!("done");
}
