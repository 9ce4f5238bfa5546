//! Exercise: lost_update
//!
//! Three seats are left for a concert, and five buyers arrive 40 ms apart.
//! Each reads how many seats are left, pays (100 ms), then writes the count
//! back, one less, and takes the seat it read. Every read and every write
//! takes the lock, yet as shipped all five buyers get a seat, three of
//! them seat 3, and a seat is still left at the end. Make each buyer's
//! update whole, and keep the payments overlapping:
//!
//! ```text
//! 0.1s buyer 1: got seat 3
//! 0.12s buyer 4: sold out
//! 0.14s buyer 2: got seat 2
//! 0.16s buyer 5: sold out
//! 0.18s buyer 3: got seat 1
//! 0.18s seats left: 0
//! ```
//!
//! The example that shows how: `cargo run -p pitfalls -- lost_update`.

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
    let seat = *seats_left.lock().unwrap_or_else(PoisonError::into_inner);
    if seat == 0 {
        println!("buyer {id}: sold out");
        return;
    }
    sleep(PAYMENT).await;
    *seats_left.lock().unwrap_or_else(PoisonError::into_inner) = seat - 1;
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
