//! Exercise: deadlock
//!
//! Three transfers run at once between three accounts, in a ring:
//! checking pays savings, savings pays travel, travel pays checking. Each
//! transfer locks the account it takes from, asks a fraud service whether
//! it may (50 to 150 ms, holding that lock), then locks the account it
//! pays into. As shipped, the program never ends and prints nothing: the
//! checker stops it after a minute and shows where each task waits. Find
//! out why, and fix it, keeping both locks and the check between them:
//!
//! ```text
//! 0.15s savings -> travel: moved 20
//! 0.15s checking -> savings: moved 30
//! 0.2s travel -> checking: moved 10
//! 0.2s checking 80, savings 110, travel 110
//! ```
//!
//! The example that shows how: `cargo run -p pitfalls -- deadlock`.

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

/// Moves `amount` from `from` to `to`.
async fn transfer(from: Arc<Account>, to: Arc<Account>, amount: i64, check: Duration) {
    let mut source = from.balance.lock().await;
    // The fraud check, with the account it takes from locked.
    sleep(check).await;
    let mut destination = to.balance.lock().await;
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
