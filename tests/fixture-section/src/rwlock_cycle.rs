//! A true read/write cycle on two RwLocks.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::RwLock;
use tokio::time::sleep;

pub async fn run() {
    let a = Arc::new(RwLock::new(0));
    let b = Arc::new(RwLock::new(0));
    let one = tokio::spawn({
        let (a, b) = (Arc::clone(&a), Arc::clone(&b));
        async move {
            let _r = a.read().await;
            sleep(Duration::from_millis(10)).await;
            *b.write().await += 1;
        }
    });
    let two = tokio::spawn({
        let (a, b) = (Arc::clone(&a), Arc::clone(&b));
        async move {
            let _r = b.read().await;
            sleep(Duration::from_millis(10)).await;
            *a.write().await += 1;
        }
    });
    let _ = one.await;
    let _ = two.await;
}
