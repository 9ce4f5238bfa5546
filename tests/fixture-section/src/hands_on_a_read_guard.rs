//! An owned read guard handed to another task and dropped there; then a
//! borrowed read guard taken and dropped; then a wait for a mutex whose
//! holder waits to write while a real reader sleeps for a second.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, RwLock};
use tokio::time::sleep;

pub async fn run() {
    let config = Arc::new(RwLock::new(0));
    let ledger = Arc::new(Mutex::new(0));
    let owned = Arc::clone(&config).read_owned().await;
    let user = tokio::spawn(async move {
        let _config = owned;
        sleep(Duration::from_millis(10)).await;
    });
    let _ = user.await;
    let value = *config.read().await;
    let reader = tokio::spawn({
        let config = Arc::clone(&config);
        async move {
            let _config = config.read().await;
            sleep(Duration::from_secs(1)).await;
        }
    });
    let writer = tokio::spawn({
        let (config, ledger) = (Arc::clone(&config), Arc::clone(&ledger));
        async move {
            let _ledger = ledger.lock().await;
            sleep(Duration::from_millis(10)).await;
            *config.write().await += 1;
        }
    });
    sleep(Duration::from_millis(50)).await;
    *ledger.lock().await += value;
    let _ = reader.await;
    let _ = writer.await;
    println!("done");
}
