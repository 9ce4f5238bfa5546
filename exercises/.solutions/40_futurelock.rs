//! Exercise: futurelock (a solution)
//!
//! `&mut report` kept the raced future alive after the deadline won, so it
//! stayed in the lock's queue, ahead of the fresh call. Tokio's `Mutex` is
//! fair: when the refresh let go, the lock went to the old future, which
//! nothing polled any more, and the fresh call waited for ever. Here the
//! `select!` owns the future, so the losing branch drops it, and its place
//! in the queue with it; the fresh call gets the lock at 1.0 s.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::sleep;

/// Builds the report from the cache; it takes 0.1 s once it has the lock.
async fn build_report(cache: &Mutex<()>) {
    let _cache = cache.lock().await;
    println!("report built from the cache");
    sleep(Duration::from_millis(100)).await;
}

pub async fn run() {
    let cache = Arc::new(Mutex::new(()));
    let refresh = {
        let cache = Arc::clone(&cache);
        tokio::spawn(async move {
            let _cache = cache.lock().await;
            sleep(Duration::from_secs(1)).await;
        })
    };
    // The refresh takes the lock first.
    tokio::task::yield_now().await;

    tokio::select! {
        () = build_report(&cache) => {}
        () = sleep(Duration::from_millis(500)) => {
            println!("report is slow; waiting on");
            build_report(&cache).await;
        }
    }
    println!("done");
    let _ = refresh.await;
}
