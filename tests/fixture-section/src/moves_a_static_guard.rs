//! A lock in a static: its borrowed guard is `'static`, so it can move into
//! another task, which drops it after a second.

use std::sync::LazyLock;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::sleep;

static CONFIG: LazyLock<Mutex<u32>> = LazyLock::new(|| Mutex::new(0));

pub async fn run() {
    let ledger = std::sync::Arc::new(Mutex::new(0));
    let guard = CONFIG.lock().await;
    let keeper = tokio::spawn(async move {
        let _kept = guard;
        sleep(Duration::from_secs(1)).await;
    });
    let other = tokio::spawn({
        let ledger = std::sync::Arc::clone(&ledger);
        async move {
            let _ledger = ledger.lock().await;
            sleep(Duration::from_millis(10)).await;
            *CONFIG.lock().await += 1;
        }
    });
    sleep(Duration::from_millis(100)).await;
    *ledger.lock().await += 1;
    let _ = keeper.await;
    let _ = other.await;
    println!("done");
}
