//! Exercise: abort_task
//!
//! A background task polls for updates every 400 ms. At one second `run`
//! no longer needs it, but dropping a `JoinHandle` does not stop its task:
//! the task is only detached and keeps polling. Stop it with `abort()`, then
//! await the handle to see that it was cancelled:
//!
//! ```text
//! 0.4s poll 1
//! 0.8s poll 2
//! 1.0s poller cancelled: true
//! 2.5s done
//! ```
//!
//! The example that shows how: `cargo run -p basics -- task_inspection`.

use std::time::Duration;

use tokio::time::sleep;

pub async fn run() {
    let poller = tokio::spawn(async {
        for poll in 1.. {
            sleep(Duration::from_millis(400)).await;
            println!("poll {poll}");
        }
    });
    sleep(Duration::from_secs(1)).await;
    // TODO: abort the poller, await its handle, and print whether the
    // result is a cancellation (`JoinError::is_cancelled`).
    drop(poller);
    sleep(Duration::from_millis(1500)).await;
    println!("done");
}
