//! A forgotten `.await` does not compile quietly: futures are `#[must_use]`,
//! and so can your own async fns' results be.
//!
//! The guide's `forgot_await_bad` returns the unawaited coroutine as its
//! result; in Rust that is a type error. `#[must_use]` on an `async fn` marks
//! its awaited result, and `#![deny(unused_must_use)]` makes the warnings
//! errors. Dropping a `JoinHandle`, not `#[must_use]`, detaches the task.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Avoiding Common Mistakes" (pitfall 1,
//!   forgetting to await, and the demonstration's first lines)

use std::time::Duration;

use tokio::time::sleep;

async fn forgot_await_good() -> &'static str {
    sleep(Duration::from_secs(1)).await;
    "completed"
}

/// Removes expired entries and says how many.
#[must_use = "the count is the only sign that the cleanup did anything"]
async fn remove_expired(entries: &mut Vec<u32>, now: u32) -> usize {
    sleep(Duration::from_millis(100)).await;
    let before = entries.len();
    entries.retain(|&expires| expires > now);
    before - entries.len()
}

pub async fn run() {
    println!("Testing proper patterns...");
    let result = forgot_await_good().await;
    println!("Await result: {result}");

    let mut entries = vec![5, 12, 3, 30];
    // `remove_expired(&mut entries, 10).await;` alone would warn here: the
    // count it drops is the status `#[must_use]` marks. (The crate's
    // compile-fail cases `unused_future.rs` and `unused_async_output.rs`
    // make both warnings errors.)
    let removed = remove_expired(&mut entries, 10).await;
    println!("Removed {removed} expired entries, kept {entries:?}");
}
