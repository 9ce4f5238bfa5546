//! Two transfers that lock two accounts in opposite orders, each `let`
//! written as rustfmt writes a long one (split after `=`, or a link a
//! line), so that no line both names a lock and waits for it.

use std::sync::Arc;

use tokio::sync::Mutex;
use tokio::task::yield_now;

struct Account {
    balance_in_cents_as_the_ledger_last_saw_it: Mutex<i64>,
}

pub async fn run() {
    let checking = Arc::new(Account {
        balance_in_cents_as_the_ledger_last_saw_it: Mutex::new(100),
    });
    let savings = Arc::new(Account {
        balance_in_cents_as_the_ledger_last_saw_it: Mutex::new(100),
    });
    let one = tokio::spawn(transfer(Arc::clone(&checking), Arc::clone(&savings)));
    let two = tokio::spawn(transfer(savings, checking));
    println!("started");
    let _ = tokio::join!(one, two);
}

async fn transfer(from: Arc<Account>, to: Arc<Account>) {
    let mut taken_from_the_account_that_pays =
        from.balance_in_cents_as_the_ledger_last_saw_it.lock().await;
    yield_now().await; // the other transfer takes its first lock meanwhile
    let mut given_to_the_account_that_is_paid =
        to.balance_in_cents_as_the_ledger_last_saw_it.lock().await;
    *taken_from_the_account_that_pays -= 10;
    *given_to_the_account_that_is_paid += 10;
}
