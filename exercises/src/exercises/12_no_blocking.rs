//! Exercise: no_blocking
//!
//! A heartbeat task beats every half second while `run` does some work that
//! waits 1.2 seconds. The work waits with `std::thread::sleep`, which blocks
//! the thread: on this one-thread runtime no other task runs meanwhile, so
//! the heartbeat stalls. Wait without blocking:
//!
//! ```text
//! 0.5s heartbeat 1
//! 1.0s heartbeat 2
//! 1.2s work done
//! 1.5s heartbeat 3
//! ```
//!
//! The example that shows how: `cargo run -p pitfalls -- blocking_the_runtime`.

use std::time::Duration;

async fn work() {
    // TODO: this blocks the thread, and every task on it.
    std::thread::sleep(Duration::from_millis(1200));
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
