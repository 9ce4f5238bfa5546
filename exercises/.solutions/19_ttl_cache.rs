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
    /// An expired entry is replaced when its key is asked for again, never
    /// removed: enough for the few keys here, but a stream of distinct keys
    /// would grow it for ever. `patterns/ttl_cache` bounds its map.
    entries: HashMap<String, (u32, Instant)>,
}

impl Cache {
    async fn get(&mut self, item: &str) -> (u32, &'static str) {
        if let Some(&(price, loaded)) = self.entries.get(item)
            && loaded.elapsed() < TIME_TO_LIVE
        {
            return (price, "cached");
        }
        let price = load_price(item).await;
        self.entries
            .insert(item.to_owned(), (price, Instant::now()));
        (price, "loaded")
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
