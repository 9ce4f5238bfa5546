//! Exercise: shared_counter
//!
//! Five tasks each add their visits to one shared total. Share the total
//! between the tasks with `Arc<std::sync::Mutex<u32>>`, since no `.await`
//! happens while it is locked (`tokio::sync::Mutex` is for a lock held
//! across an `.await`):
//!
//! ```text
//! 0.1s page 1 counted
//! 0.2s page 2 counted
//! 0.3s page 3 counted
//! 0.4s page 4 counted
//! 0.5s page 5 counted
//! 0.5s total visits: 150
//! ```
//!
//! The example that shows how: `cargo run -p synchronization -- mutex`.

use std::time::Duration;

use tokio::time::sleep;

pub async fn run() {
    // TODO: a total the tasks can share.
    let mut tasks = Vec::new();
    for page in 1..=5u64 {
        tasks.push(tokio::spawn(async move {
            sleep(Duration::from_millis(100 * page)).await;
            let visits = 10 * page as u32;
            // TODO: add `visits` to the shared total.
            println!("page {page} counted");
        }));
    }
    for task in tasks {
        task.await.expect("a task panicked");
    }
    let total: u32 = todo!();
    println!("total visits: {total}");
}
