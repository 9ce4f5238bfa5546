//! An awaited result ignored, when the async fn is `#[must_use]`.
//!
//! Awaiting a future runs it, but the value it produces can matter as much
//! as running it: here, how many entries a cleanup removed. `#[must_use]`
//! on an `async fn` applies to that value, so `remove_expired(...).await;`
//! on its own line warns, and under `#![deny(unused_must_use)]` fails. Bind
//! the value, or write `let _ = ...` to discard it on purpose.

#![deny(unused_must_use)]

#[must_use = "the count is the only sign that the cleanup did anything"]
async fn remove_expired(entries: &mut Vec<u32>, now: u32) -> usize {
    let before = entries.len();
    entries.retain(|&expires| expires > now);
    before - entries.len()
}

#[tokio::main]
async fn main() {
    let mut entries = vec![5, 12, 3, 30];
    remove_expired(&mut entries, 10).await;
}
