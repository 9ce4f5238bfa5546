//! Guards kept where no `let` of the waiting line shows them: one in a
//! struct, one owned and moved into another task, and a temporary one that
//! is dropped at the end of its statement. One task waits on each lock.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, MutexGuard};
use tokio::time::sleep;

struct Booking<'a> {
    entries: MutexGuard<'a, Vec<u32>>,
}

pub async fn run() {
    let ledger = Arc::new(Mutex::new(Vec::new()));
    let count = Arc::new(Mutex::new(0));
    let audit = Arc::new(Mutex::new(()));
    let booking = Booking {
        entries: ledger.lock().await,
    };
    let owned = Arc::clone(&audit).lock_owned().await;
    let auditor = tokio::spawn(async move {
        let _kept = owned;
        sleep(Duration::from_secs(1)).await;
    });
    let current = *count.lock().await;
    let waiters = [
        tokio::spawn(push_to(Arc::clone(&ledger))),
        tokio::spawn(lock_for_a_moment(Arc::clone(&audit))),
        tokio::spawn(add_to(Arc::clone(&count))),
    ];
    println!("started at {current}");
    sleep(Duration::from_secs(1)).await;
    drop(booking.entries);
    let _ = auditor.await;
    for waiter in waiters {
        let _ = waiter.await;
    }
    println!("done");
}

async fn push_to(ledger: Arc<Mutex<Vec<u32>>>) {
    ledger.lock().await.push(1);
}

async fn lock_for_a_moment(audit: Arc<Mutex<()>>) {
    let _audit = audit.lock().await;
}

async fn add_to(count: Arc<Mutex<u32>>) {
    sleep(Duration::from_millis(100)).await;
    *count.lock().await += 1;
}
