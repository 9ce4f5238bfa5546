//! Three tasks that take locks in one order, the last held through a
//! sleep: at 0.5 s two wait and one sleeps, and all end by 1.1 s.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::sleep;

pub async fn run() {
    let (a, b, c) = (Arc::default(), Arc::default(), Arc::default());
    // They run in the order they were spawned, so each takes its first lock.
    let last = tokio::spawn(hold(Arc::clone(&c)));
    let middle = tokio::spawn(lock_both(Arc::clone(&b), c));
    let first = tokio::spawn(lock_both(a, b));
    let _ = tokio::join!(first, middle, last);
    println!("done");
}

async fn lock_both(held: Arc<Mutex<()>>, wanted: Arc<Mutex<()>>) {
    let _held = held.lock().await;
    let _wanted = wanted.lock().await;
    sleep(Duration::from_millis(50)).await;
}

async fn hold(last: Arc<Mutex<()>>) {
    let _last = last.lock().await;
    sleep(Duration::from_secs(1)).await;
}
