//! A stuck program and where it is stuck: two tasks each holding the lock the
//! other wants, and a task receiving on a channel whose only sender it holds.
//!
//! A deadlock raises nothing and prints nothing. `cargo run -p pitfalls --
//! deadlock --clock virtual --dump-at 1` prints where each task waits, which
//! the book's page "Why is my program stuck?" reads; Python 3.14's `python -m
//! asyncio pstree` is its counterpart. The fixes: take the locks in one
//! order, and drop the sender before receiving.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Debugging Async Code" (monitoring what each task is doing) and
//!   "Semaphores and Locks" (the lock)

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinSet;
use tokio::time::{sleep, timeout};

/// How long `run` gives the stuck tasks before it calls them deadlocked.
const PATIENCE: Duration = Duration::from_secs(2);

struct Account {
    number: u32,
    name: &'static str,
    balance: Mutex<i64>,
}

/// Locks `from`, then `to`: two transfers in opposite directions each get
/// their first lock and wait for ever for the second.
async fn transfer(from: Arc<Account>, to: Arc<Account>, amount: i64) {
    let mut source = from.balance.lock().await;
    println!("{} -> {}: locked {}", from.name, to.name, from.name);
    // Long enough for the other transfer to take its first lock.
    sleep(Duration::from_millis(100)).await;
    let mut destination = to.balance.lock().await;
    *source -= amount;
    *destination += amount;
}

/// The fix: both locks in account-number order, whichever way the money goes.
async fn transfer_in_order(from: Arc<Account>, to: Arc<Account>, amount: i64) {
    // A transfer to itself moves nothing, and taking the same lock twice
    // would wait for ever: Tokio's `Mutex`, like `asyncio.Lock`, is not
    // reentrant.
    if Arc::ptr_eq(&from, &to) {
        return;
    }
    let (first, second) = if from.number < to.number {
        (&from, &to)
    } else {
        (&to, &from)
    };
    let mut first = first.balance.lock().await;
    sleep(Duration::from_millis(100)).await;
    let mut second = second.balance.lock().await;
    let (source, destination) = if from.number < to.number {
        (&mut *first, &mut *second)
    } else {
        (&mut *second, &mut *first)
    };
    *source -= amount;
    *destination += amount;
    println!("{} -> {}: done", from.name, to.name);
}

/// Sends three orders to itself, then sums what it receives until the
/// channel closes, which it never does: `orders` is still alive here.
async fn collect(orders: mpsc::Sender<u32>, mut queue: mpsc::Receiver<u32>) -> u32 {
    for order in 1..=3 {
        // The channel has room for all three, so these never wait.
        let _ = orders.send(order).await;
    }
    println!("collector: sent 3 orders to itself");
    let mut total = 0;
    while let Some(order) = queue.recv().await {
        total += order;
    }
    total
}

/// The fix: the sender is dropped once the orders are sent.
async fn collect_closed(orders: mpsc::Sender<u32>, mut queue: mpsc::Receiver<u32>) -> u32 {
    for order in 1..=3 {
        let _ = orders.send(order).await;
    }
    drop(orders);
    let mut total = 0;
    while let Some(order) = queue.recv().await {
        total += order;
    }
    total
}

pub async fn run() {
    let (checking, savings) = accounts();
    let mut stuck = JoinSet::new();
    stuck.spawn(transfer(Arc::clone(&checking), Arc::clone(&savings), 30));
    stuck.spawn(transfer(Arc::clone(&savings), Arc::clone(&checking), 20));
    let (orders, queue) = mpsc::channel(8);
    stuck.spawn(async move {
        collect(orders, queue).await;
    });
    let finished = timeout(PATIENCE, async {
        while stuck.join_next().await.is_some() {}
    })
    .await;
    if finished.is_err() {
        println!(
            "after {:.1}s: {} tasks still waiting, none of them failed",
            PATIENCE.as_secs_f64(),
            stuck.len()
        );
    }
    // Aborting them releases the locks they hold.
    stuck.shutdown().await;

    let (checking, savings) = accounts();
    let mut fixed = JoinSet::new();
    fixed.spawn(transfer_in_order(
        Arc::clone(&checking),
        Arc::clone(&savings),
        30,
    ));
    fixed.spawn(transfer_in_order(
        Arc::clone(&savings),
        Arc::clone(&checking),
        20,
    ));
    while fixed.join_next().await.is_some() {}
    println!(
        "locks in one order: checking {}, savings {}",
        *checking.balance.lock().await,
        *savings.balance.lock().await
    );

    let (orders, queue) = mpsc::channel(8);
    let total = collect_closed(orders, queue).await;
    println!("sender dropped: the collector's total is {total}");
}

// What only feeds the demonstration.

fn accounts() -> (Arc<Account>, Arc<Account>) {
    let account = |number, name| {
        Arc::new(Account {
            number,
            name,
            balance: Mutex::new(100),
        })
    };
    (account(1, "checking"), account(2, "savings"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_transfer_to_the_same_account_ends_and_moves_nothing() {
        let (checking, _) = accounts();
        timeout(
            Duration::from_secs(1),
            transfer_in_order(Arc::clone(&checking), Arc::clone(&checking), 10),
        )
        .await
        .expect("the transfer waits for ever on the lock it holds");
        assert_eq!(*checking.balance.lock().await, 100);
    }
}
