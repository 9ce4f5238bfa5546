//! Holds three things across its one `.await` that a cancellation there
//! leaves behind: a task waiting for a notification only the rest of
//! `run()` sends, a scratch file only the rest of `run()` removes, and a
//! guard that panics when it is dropped before it is disarmed.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

struct Armed;

impl Drop for Armed {
    fn drop(&mut self) {
        panic!("dropped while armed");
    }
}

pub async fn run() -> std::io::Result<()> {
    let notify = Arc::new(Notify::new());
    let waiter = tokio::spawn({
        let notify = Arc::clone(&notify);
        async move { notify.notified().await }
    });
    // A name of its own each run, so a file one run left stays behind.
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let scratch = std::env::temp_dir().join(format!(
        "not-cancel-safe-{}-{}",
        std::process::id(),
        RUNS.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&scratch, "scratch")?;
    let armed = Armed;
    tokio::time::sleep(Duration::from_secs(1)).await;
    std::mem::forget(armed);
    std::fs::remove_file(&scratch)?;
    notify.notify_one();
    waiter.await?;
    println!("done");
    Ok(())
}
