//! Exercise: futurelock
//!
//! A report needs the shared cache's lock, which a refresh task holds for
//! its first second. The report is raced against a half-second deadline in
//! a `select!`; when the deadline wins, the program logs it and then waits
//! for the report anyway, with a fresh call. As shipped, the program never
//! ends: the checker stops it after a minute and shows where it waits, in
//! `Mutex::lock`, though no task holds the lock. Find out who does, and fix
//! it, keeping the deadline, the log line and the lock:
//!
//! ```text
//! 0.5s report is slow; waiting on
//! 1.0s report built from the cache
//! 1.1s done
//! ```
//!
//! The example that shows how: `cargo run -p pitfalls -- futurelock`.

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

    let report = build_report(&cache);
    tokio::pin!(report);
    tokio::select! {
        () = &mut report => {}
        () = sleep(Duration::from_millis(500)) => {
            println!("report is slow; waiting on");
            build_report(&cache).await;
        }
    }
    println!("done");
    let _ = refresh.await;
}
