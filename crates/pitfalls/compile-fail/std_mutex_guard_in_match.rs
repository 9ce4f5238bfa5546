//! A `std::sync::MutexGuard` that is no variable: a temporary in a `match`'s
//! scrutinee, inside `tokio::spawn`.
//!
//! A temporary in the expression a `match` looks at lives until the whole
//! `match` ends, so the guard `cache.lock().unwrap()` makes is still alive
//! in the arm that awaits, and no `drop` can reach it. The fix: copy what the
//! `match` needs out in a statement of its own (`let cached = ...;`), or lock
//! only inside methods that are not `async`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

async fn load(key: &str) -> String {
    key.to_uppercase()
}

#[tokio::main]
async fn main() {
    let cache: Arc<Mutex<HashMap<String, String>>> = Arc::default();
    tokio::spawn(async move {
        let value = match cache.lock().unwrap().get("a") {
            Some(cached) => cached.clone(),
            None => load("a").await,
        };
        println!("{value}");
    });
}
