//! Exercise: rate_limiter
//!
//! *Python Async/Await*, "Exercises" 3: "Build an async rate limiter using
//! semaphores". At most two calls may start in any one second. Each call
//! takes a permit, and the permit goes back one second after the call
//! started, whatever the call does:
//!
//! ```text
//! 0.0s call 1 started
//! 0.0s call 2 started
//! 1.0s call 3 started
//! 1.0s call 4 started
//! 2.0s call 5 started
//! ```
//!
//! `Semaphore::acquire_owned` gives a permit that can be moved into a task
//! that drops it later; `OwnedSemaphorePermit::forget` plus
//! `Semaphore::add_permits` is the other way to give it back.
//!
//! Like every exercise, this one must stop what it starts: the tasks that
//! give the last permits back would still be waiting when `run` returns,
//! and a task still running then fails the exercise. Keep them in a
//! `JoinSet`, which aborts the tasks it holds when it is dropped.
//!
//! The example that shows how: `cargo run -p patterns -- semaphore_rate_limiter`.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

pub async fn run() {
    let per_second = Arc::new(Semaphore::new(2));
    for call in 1..=5 {
        // TODO: take a permit, and give it back one second from now
        // without waiting here for that second.
        println!("call {call} started");
    }
}
