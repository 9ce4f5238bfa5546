//! A `std::sync::MutexGuard` given to `drop` before the `.await`, inside
//! `tokio::spawn`: still refused.
//!
//! The guard is gone at the `.await`, but the compiler still counts the
//! variable `count` as held there, until its scope ends
//! (rust-lang/rust#116680). The fix: end the guard's scope before the
//! `.await` (put the locked part in its own block), or lock only inside
//! methods that are not `async`. If this compiles one day, the book's page
//! "Shared state and locks" must say so.

use std::sync::{Arc, Mutex};
use std::time::Duration;

#[tokio::main]
async fn main() {
    let counter = Arc::new(Mutex::new(0));
    tokio::spawn(async move {
        let mut count = counter.lock().unwrap();
        *count += 1;
        drop(count);
        tokio::time::sleep(Duration::from_millis(10)).await;
    });
}
