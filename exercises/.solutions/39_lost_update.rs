use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::sleep;

/// How long a payment takes.
const PAYMENT: Duration = Duration::from_millis(100);

/// One buyer: takes a seat, pays for it, and says which seat it got, or
/// that none was left.
async fn buy(id: u32, arrives_ms: u64, seats_left: Arc<Mutex<u32>>) {
    sleep(Duration::from_millis(arrives_ms)).await;
    // Read and write in one lock hold, with no `.await` inside it: no other
    // buyer can read the count between the two. The guard is dropped at
    // the end of the block, before the payment.
    let seat = {
        let mut left = seats_left.lock().unwrap_or_else(PoisonError::into_inner);
        let seat = *left;
        *left = left.saturating_sub(1);
        seat
    };
    if seat == 0 {
        println!("buyer {id}: sold out");
        return;
    }
    sleep(PAYMENT).await;
    println!("buyer {id}: got seat {seat}");
}

pub async fn run() {
    let seats_left = Arc::new(Mutex::new(3));
    let mut buyers = JoinSet::new();
    for (id, arrives_ms) in [(1, 0), (2, 40), (3, 80), (4, 120), (5, 160)] {
        buyers.spawn(buy(id, arrives_ms, Arc::clone(&seats_left)));
    }
    buyers.join_all().await;
    let left = *seats_left.lock().unwrap_or_else(PoisonError::into_inner);
    println!("seats left: {left}");
}
