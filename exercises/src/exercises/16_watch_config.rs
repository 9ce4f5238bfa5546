//! Exercise: watch_config
//!
//! A server reloads its settings twice while it runs. A `tokio::sync::watch`
//! channel holds the latest settings: the worker reads the current value
//! before each request, with no `Mutex` of its own (`borrow()` takes the
//! channel's read lock for a moment), and always finds the latest settings.
//!
//! ```text
//! 0.0s request 1 with limit 10
//! 0.4s request 2 with limit 10
//! 0.8s request 3 with limit 20
//! 1.2s request 4 with limit 20
//! 1.6s request 5 with limit 30
//! ```
//!
//! The settings change at 0.5s (to 20) and at 1.3s (to 30).
//!
//! The example that shows how: `cargo run -p synchronization -- watch_config`.

use std::time::Duration;

use tokio::sync::watch;
use tokio::time::sleep;

async fn worker(settings: watch::Receiver<u32>) {
    for request in 1..=5 {
        // TODO: read the current limit with `settings.borrow()`.
        let limit: u32 = todo!();
        println!("request {request} with limit {limit}");
        sleep(Duration::from_millis(400)).await;
    }
}

pub async fn run() {
    let (reload, settings) = watch::channel(10);
    let worker = tokio::spawn(worker(settings));
    for (at, limit) in [(500, 20), (800, 30)] {
        sleep(Duration::from_millis(at)).await;
        // TODO: publish the new limit with `reload.send(limit)`.
    }
    worker.await.expect("the worker panicked");
}
