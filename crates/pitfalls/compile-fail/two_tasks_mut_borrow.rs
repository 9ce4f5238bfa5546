//! Two concurrent futures taking `&mut` to the same data.
//!
//! Python lets any number of coroutines write to the same object, and
//! nothing warns when one of them awaits between reading a value and
//! writing it back, which loses updates. Rust allows one `&mut` at a time,
//! and two futures joined together both live for the whole `join!`, so the
//! second `&mut total` is rejected. The fix: share the data behind a lock
//! (`Arc<tokio::sync::Mutex<_>>`), or give each future its own part and
//! combine the results.
//!
//! With `tokio::spawn` instead of `join!`, the first error would be the one
//! in `spawn_borrows_local.rs`: a spawned task may not borrow at all.

async fn add(total: &mut u64, amount: u64) {
    tokio::task::yield_now().await;
    *total += amount;
}

#[tokio::main]
async fn main() {
    let mut total = 0;
    tokio::join!(add(&mut total, 1), add(&mut total, 2));
    println!("{total}");
}
