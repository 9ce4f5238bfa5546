//! A forgotten `.await` does not compile quietly: futures are `#[must_use]`,
//! and so can your own async fns' results be.
//!
//! The section `basics` shows the mistake itself (`basics/forgetting_await`):
//! a future that is never awaited never runs, and the compiler warns where
//! Python warns only at run time, when the forgotten coroutine object is
//! destroyed. Two more ways Rust answers it:
//!
//! - The guide's `forgot_await_bad` returns the unawaited coroutine as if it
//!   were the result. In Rust that is a type error: the function promises a
//!   `&str` and the expression is a future, so it does not compile.
//! - `#[must_use]` on an `async fn` applies to what it returns once awaited.
//!   A status that must not be dropped, here the number of items a cleanup
//!   removed, warns when a caller awaits the call and ignores the answer.
//!
//! The warning becomes an error under `#![deny(unused_must_use)]`, or
//! `[lints.rust] unused_must_use = "deny"` in `Cargo.toml`; the compile-fail
//! cases `unused_future.rs` and `unused_async_output.rs` in
//! `crates/pitfalls/compile-fail/` show both messages.
//! Beware one thing that is not `#[must_use]`: a `JoinHandle`. Dropping it
//! detaches the task, which keeps running; that is allowed, not a mistake.
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
    // `remove_expired(&mut entries, 10).await;` alone would warn here.
    let removed = remove_expired(&mut entries, 10).await;
    println!("Removed {removed} expired entries, kept {entries:?}");
}
