//! Aborts a task whose poll holds its thread, and returns.
//!
//! The poll holds the thread for a second: on the multi-thread runtime the
//! task ends once that poll does, after `run()` has returned, and is no
//! task left running.

use std::time::Duration;

pub async fn run() {
    let (started, starts) = tokio::sync::oneshot::channel();
    let busy = tokio::spawn(async move {
        let _ = started.send(());
        // Holds its worker: the abort takes effect once this poll ends.
        std::thread::sleep(Duration::from_secs(1));
        std::future::pending::<()>().await;
    });
    let _ = starts.await;
    busy.abort();
    println!("aborted");
}
