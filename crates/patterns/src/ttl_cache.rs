//! An async cache whose entries expire after a time-to-live, whose loads
//! have a timeout, and where concurrent misses for one key share one load.
//!
//! Solves exercise 5 of *Python Async/Await*, "Exercises": "Implement
//! an async cache with timeout functionality".
//!
//! Three kinds of timeout, all on Tokio's clock, so the paused clock drives
//! them and the output is the same on every run:
//! - each entry expires `ttl` after it was loaded (`tokio::time::Instant`);
//! - each load is bounded by `tokio::time::timeout`, and a load that fails or
//!   times out is not cached, so the next caller tries again;
//! - none for the callers who wait on someone else's load: they get its result.
//!
//! The async-specific problem a cache has is the stampede: when a popular
//! entry is missing, every request that arrives before the first load
//! finishes starts a load of its own. Here each key has a
//! `tokio::sync::OnceCell`; `get_or_try_init` runs one loader, and every
//! other caller for that key awaits the same cell. An expired entry is
//! replaced by a fresh cell, so callers still holding the old one finish
//! with the old value.
//!
//! The map is locked with a `std` mutex only to find or replace a cell,
//! never across a load, so one slow key does not hold up the others. Expired
//! entries are replaced when next asked for, not swept; a production cache
//! with sweeping, size limits and the same single-flight loading is the
//! `moka` crate.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::future::join_all;
use tokio::sync::OnceCell;
use tokio::time::{Instant, sleep, timeout};

struct TtlCache<K, V> {
    ttl: Duration,
    load_timeout: Duration,
    slots: Mutex<HashMap<K, Arc<OnceCell<Entry<V>>>>>,
}

struct Entry<V> {
    value: V,
    loaded_at: Instant,
}

#[derive(Debug, thiserror::Error)]
enum CacheError<E> {
    #[error("loading took longer than {0:?}")]
    Timeout(Duration),
    #[error("loading failed: {0}")]
    Load(E),
}

impl<K: Hash + Eq, V: Clone> TtlCache<K, V> {
    fn new(ttl: Duration, load_timeout: Duration) -> Self {
        Self {
            ttl,
            load_timeout,
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// The cached value for `key`, or the result of `load` if there is none
    /// or it has expired.
    async fn get_or_load<E, Fut>(
        &self,
        key: K,
        load: impl FnOnce() -> Fut,
    ) -> Result<V, CacheError<E>>
    where
        Fut: Future<Output = Result<V, E>>,
    {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
            let slot = slots.entry(key).or_default();
            if slot
                .get()
                .is_some_and(|entry| entry.loaded_at.elapsed() >= self.ttl)
            {
                *slot = Arc::default();
            }
            slot.clone()
        };
        let entry = slot
            .get_or_try_init(|| async {
                let value = timeout(self.load_timeout, load())
                    .await
                    .map_err(|_| CacheError::Timeout(self.load_timeout))?
                    .map_err(CacheError::Load)?;
                Ok(Entry {
                    value,
                    loaded_at: Instant::now(),
                })
            })
            .await?;
        Ok(entry.value.clone())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("no user {0}")]
struct NoSuchUser(u32);

/// The slow source the cache saves trips to, counting how often it is asked.
struct Database {
    queries: AtomicU32,
}

impl Database {
    async fn fetch_user(&self, id: u32, delay: Duration) -> Result<String, NoSuchUser> {
        self.queries.fetch_add(1, Ordering::SeqCst);
        println!("  querying the database for user {id}");
        sleep(delay).await;
        match id {
            1 => Ok("Alice".to_owned()),
            2 => Ok("Bob".to_owned()),
            3 => Ok("Carol".to_owned()),
            _ => Err(NoSuchUser(id)),
        }
    }

    fn queries(&self) -> u32 {
        self.queries.load(Ordering::SeqCst)
    }
}

/// `Alice`, or the error's message.
fn show<E: std::fmt::Display>(result: &Result<String, CacheError<E>>) -> String {
    match result {
        Ok(name) => name.clone(),
        Err(error) => format!("error: {error}"),
    }
}

pub async fn run() {
    let start = Instant::now();
    let stamp = || format!("[{:.1}s]", start.elapsed().as_secs_f64());
    let cache = TtlCache::new(Duration::from_secs(2), Duration::from_secs(1));
    let db = Database {
        queries: AtomicU32::new(0),
    };
    let quick = Duration::from_millis(500);

    let get = async |id: u32, delay: Duration| {
        println!("{} get user {id}", stamp());
        let result = cache.get_or_load(id, || db.fetch_user(id, delay)).await;
        println!("{} user {id}: {}", stamp(), show(&result));
    };

    get(1, quick).await;
    get(1, quick).await;
    assert_eq!(db.queries(), 1, "the second get was a hit");

    sleep(Duration::from_secs(2)).await;
    println!("{} (two seconds later, the entry has expired)", stamp());
    get(1, quick).await;
    assert_eq!(db.queries(), 2);

    println!();
    join_all((0..3).map(|_| get(2, quick))).await;
    assert_eq!(db.queries(), 3, "one query for three concurrent misses");

    println!();
    println!("{} (the database now takes 5s for user 3)", stamp());
    get(3, Duration::from_secs(5)).await;
    get(3, quick).await;
    assert_eq!(db.queries(), 5, "the timed-out load was not cached");

    println!();
    get(9, quick).await;
    assert_eq!(db.queries(), 6);
}
