//! A task that holds a lock (taken over three lines, as rustfmt writes a
//! long receiver) while it waits on a oneshot whose sender waits for it.

use std::sync::Arc;

use tokio::sync::{Mutex, oneshot};

pub async fn run() {
    let ledger = Arc::new(Mutex::new(()));
    let (approve, approval) = oneshot::channel();
    let booking = tokio::spawn(book(Arc::clone(&ledger), approval));
    let approver = tokio::spawn(async move {
        let _entries = ledger.lock().await;
        let _ = approve.send(());
    });
    println!("started");
    let _ = tokio::join!(booking, approver);
}

async fn book(
    ledger_that_every_booking_and_every_approval_of_the_whole_company_shares: Arc<Mutex<()>>,
    approval: oneshot::Receiver<()>,
) {
    let _entries = ledger_that_every_booking_and_every_approval_of_the_whole_company_shares
        .lock()
        .await;
    let _ = approval.await;
}
