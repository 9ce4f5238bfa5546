use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::task::JoinSet;
use tokio::time::sleep;

struct Account {
    number: u32,
    name: &'static str,
    balance: Mutex<i64>,
}

/// Moves `amount` from `from` to `to`. Every transfer takes the two locks
/// in one order, the lower account number first, whichever way the money
/// goes: whoever holds the first lock can always get the second.
async fn transfer(from: Arc<Account>, to: Arc<Account>, amount: i64, check: Duration) {
    let (first, second) = if from.number < to.number {
        (&from, &to)
    } else {
        (&to, &from)
    };
    let mut first = first.balance.lock().await;
    // The fraud check, with the first account locked.
    sleep(check).await;
    let mut second = second.balance.lock().await;
    let (source, destination) = if from.number < to.number {
        (&mut *first, &mut *second)
    } else {
        (&mut *second, &mut *first)
    };
    *source -= amount;
    *destination += amount;
    println!("{} -> {}: moved {amount}", from.name, to.name);
}

pub async fn run() {
    let account = |number, name| {
        Arc::new(Account {
            number,
            name,
            balance: Mutex::new(100),
        })
    };
    let checking = account(1, "checking");
    let savings = account(2, "savings");
    let travel = account(3, "travel");
    let mut transfers = JoinSet::new();
    for (from, to, amount, check_ms) in [
        (&checking, &savings, 30, 100),
        (&savings, &travel, 20, 150),
        (&travel, &checking, 10, 50),
    ] {
        transfers.spawn(transfer(
            Arc::clone(from),
            Arc::clone(to),
            amount,
            Duration::from_millis(check_ms),
        ));
    }
    while let Some(joined) = transfers.join_next().await {
        if let Err(error) = joined {
            println!("a transfer failed: {error}");
        }
    }
    println!(
        "checking {}, savings {}, travel {}",
        *checking.balance.lock().await,
        *savings.balance.lock().await,
        *travel.balance.lock().await
    );
}
