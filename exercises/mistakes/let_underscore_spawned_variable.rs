//! A learner's `abort_task` that lets the poller's `JoinHandle` go with
//! `let _ = poller;` rather than aborting it: the handle is a future to the
//! compiler, but its task was spawned where `poller` was bound, and polls
//! on, detached. The checker must say that the task ran on, and must not
//! tell the learner to await the handle of a task that never ends
//! (`verify`).

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
    let _ = poller;
    sleep(Duration::from_millis(1500)).await;
    println!("done");
}
