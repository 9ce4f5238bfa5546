//! A futurelock with no way out: a lock future raced through `&mut` in a
//! `select!` is handed the lock once its holder lets go, and the branch that
//! won waits for that lock with no timeout.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::sleep;

pub async fn run() {
    let lock = Arc::new(Mutex::new(()));
    let holder = tokio::spawn({
        let lock = Arc::clone(&lock);
        async move {
            let _guard = lock.lock().await;
            sleep(Duration::from_millis(200)).await;
        }
    });
    sleep(Duration::from_millis(10)).await; // the holder takes it first
    let first = lock.lock();
    tokio::pin!(first);
    tokio::select! {
        _ = &mut first => {}
        () = sleep(Duration::from_millis(100)) => {
            println!("started");
            let _second = lock.lock().await;
        }
    }
    let _ = holder.await;
}
