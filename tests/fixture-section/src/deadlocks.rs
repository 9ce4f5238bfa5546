//! Two tasks that each hold one lock and wait for the other's, for ever.

use std::sync::Arc;

use tokio::sync::Mutex;
use tokio::task::yield_now;

pub async fn run() {
    let first = Arc::new(Mutex::new(()));
    let second = Arc::new(Mutex::new(()));
    let one = tokio::spawn(lock_both(Arc::clone(&first), Arc::clone(&second)));
    let two = tokio::spawn(lock_both(second, first));
    println!("started");
    let _ = one.await;
    let _ = two.await;
}

async fn lock_both(held: Arc<Mutex<()>>, wanted: Arc<Mutex<()>>) {
    let _held = held.lock().await;
    yield_now().await; // the other task takes its first lock meanwhile
    let _wanted = wanted.lock().await;
}
