//! A `std::sync::MutexGuard` held across `.await` inside `tokio::spawn`.
//!
//! `tokio::spawn` needs a `Send` future, because a multi-thread runtime may
//! resume it on another thread after any `.await`. A `std::sync::MutexGuard`
//! is not `Send` (the OS lock must be released by the thread that took it),
//! so a future that keeps one alive across an `.await` is not `Send` either.
//! The fix: drop the guard before awaiting (put the locked part in its own
//! block), or use `tokio::sync::Mutex`, whose guard may cross an `.await`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

#[tokio::main]
async fn main() {
    let counter = Arc::new(Mutex::new(0));
    tokio::spawn(async move {
        let mut count = counter.lock().unwrap();
        tokio::time::sleep(Duration::from_millis(10)).await;
        *count += 1;
    });
}
