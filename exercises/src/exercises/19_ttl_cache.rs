//! Exercise: ttl_cache
//!
//! *Python Async/Await*, "Exercises" 5: "Implement an async cache with
//! timeout functionality". Loading a price takes 300 ms; a cached price is
//! good for one second. Make `get` answer from the cache while the entry is
//! fresh, and load (and store) it again once it has expired:
//!
//! ```text
//! 0.3s tea: 4 (loaded)
//! 0.3s tea: 4 (cached)
//! 0.8s tea: 4 (cached)
//! 1.6s tea: 4 (loaded)
//! ```
//!
//! Time it with `tokio::time::Instant`, which follows the paused clock
//! (`std::time::Instant` would not).
//!
//! The example that shows how: `cargo run -p patterns -- ttl_cache`.

use std::collections::HashMap;
use std::time::Duration;

use tokio::time::{Instant, sleep};

const TIME_TO_LIVE: Duration = Duration::from_secs(1);

async fn load_price(item: &str) -> u32 {
    sleep(Duration::from_millis(300)).await;
    item.len() as u32 + 1
}

#[derive(Default)]
struct Cache {
    /// Each price, with when it was loaded.
    entries: HashMap<String, (u32, Instant)>,
}

impl Cache {
    async fn get(&mut self, item: &str) -> (u32, &'static str) {
        // TODO: return `(price, "cached")` when the entry exists and is
        // younger than `TIME_TO_LIVE`; otherwise load it, store it with
        // `Instant::now()`, and return `(price, "loaded")`.
        (load_price(item).await, "loaded")
    }
}

pub async fn run() {
    let mut cache = Cache::default();
    for wait in [0, 0, 500, 500] {
        sleep(Duration::from_millis(wait)).await;
        let (price, source) = cache.get("tea").await;
        println!("tea: {price} ({source})");
    }
}
