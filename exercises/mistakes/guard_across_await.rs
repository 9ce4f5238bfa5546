//! A learner's `shared_counter` that keeps the `std::sync::Mutex` guard of
//! the total across an `.await` before printing it: nothing else wants the
//! lock then, so the output is right, but clippy's `await_holding_lock`
//! names it. The checker must not pass it (`verify`).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::sleep;

pub async fn run() {
    let total = Arc::new(Mutex::new(0u32));
    let mut tasks = Vec::new();
    for page in 1..=5u64 {
        let total = Arc::clone(&total);
        tasks.push(tokio::spawn(async move {
            sleep(Duration::from_millis(100 * page)).await;
            let visits = 10 * page as u32;
            *total.lock().expect("no task panics while holding the lock") += visits;
            println!("page {page} counted");
        }));
    }
    for task in tasks {
        task.await.expect("a task panicked");
    }
    // The std guard kept across an `.await`: nothing else wants the lock
    // now, so the output is right, but a task that did would block its
    // thread inside `lock()`.
    let total = total.lock().expect("no task panics while holding the lock");
    tokio::task::yield_now().await;
    println!("total visits: {}", *total);
}
