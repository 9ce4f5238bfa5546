//! An async cache whose entries expire after a time-to-live, whose loads
//! have a timeout, and where concurrent misses for one key share one load
//! and its outcome, success or failure.
//!
//! Each key has a `tokio::sync::OnceCell`: one caller runs the load, with the
//! timeout inside it, and the others await the same cell, so an expired entry
//! costs one query, not one per request. The cell keeps `Err` too, so a
//! failure reaches every waiter, and is then removed. A full cache evicts
//! exactly the key it has held longest, found in O(log n). The `moka` crate is
//! the production version.
//!
//! Translates:
//! - *Python Async/Await*, "Exercises" (exercise 5: "Implement an async
//!   cache with timeout functionality")

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use futures::future::join_all;
use tokio::sync::OnceCell;
use tokio::time::{Instant, sleep, timeout};

struct TtlCache<K, V, E> {
    ttl: Duration,
    load_timeout: Duration,
    capacity: NonZeroUsize,
    slots: Mutex<Slots<K, V, E>>,
}

/// A key's cell. It holds the outcome of one load, kept for every caller
/// that waited on it.
type Slot<V, E> = Arc<OnceCell<Result<Entry<V>, CacheError<E>>>>;

struct Entry<V> {
    value: V,
    loaded_at: Instant,
}

#[derive(Clone, Debug, thiserror::Error)]
enum CacheError<E> {
    #[error("loading took longer than {0:?}")]
    Timeout(Duration),
    #[error("loading failed: {0}")]
    Load(E),
}

/// The cells by key, and the same keys in the order they arrived: each new
/// cell takes the next number, so the first in `by_arrival` is the oldest.
struct Slots<K, V, E> {
    by_key: HashMap<K, (u64, Slot<V, E>)>,
    by_arrival: BTreeMap<u64, K>,
    next: u64,
}

impl<K: Hash + Eq + Clone, V, E> Slots<K, V, E> {
    /// A new, empty cell for `key`, in place of the one it had, or else in
    /// place of the oldest key if the map is full.
    fn insert(&mut self, key: &K, capacity: NonZeroUsize) -> Slot<V, E> {
        if let Some((arrival, _)) = self.by_key.remove(key) {
            self.by_arrival.remove(&arrival);
        } else if self.by_key.len() >= capacity.get()
            && let Some((_, oldest)) = self.by_arrival.pop_first()
        {
            self.by_key.remove(&oldest);
        }
        let slot = Slot::default();
        self.by_key
            .insert(key.clone(), (self.next, Arc::clone(&slot)));
        self.by_arrival.insert(self.next, key.clone());
        self.next += 1;
        slot
    }

    /// Removes `key` if `slot` is still its cell, not a newer one.
    fn remove(&mut self, key: &K, slot: &Slot<V, E>) {
        if let Some((arrival, kept)) = self.by_key.get(key)
            && Arc::ptr_eq(kept, slot)
        {
            self.by_arrival.remove(arrival);
            self.by_key.remove(key);
        }
    }
}

impl<K: Hash + Eq + Clone, V: Clone, E: Clone> TtlCache<K, V, E> {
    fn new(ttl: Duration, load_timeout: Duration, capacity: NonZeroUsize) -> Self {
        Self {
            ttl,
            load_timeout,
            capacity,
            slots: Mutex::new(Slots {
                by_key: HashMap::new(),
                by_arrival: BTreeMap::new(),
                next: 0,
            }),
        }
    }

    fn slots(&self) -> MutexGuard<'_, Slots<K, V, E>> {
        // Each change to the maps is a few calls that can't panic between
        // them, so a poisoned lock still guards whole maps.
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn len(&self) -> usize {
        self.slots().by_key.len()
    }

    /// The cached value for `key`, or the outcome of `load` if there is none
    /// or it has expired. Callers who arrive while a load runs get its
    /// outcome.
    async fn get_or_load<Fut>(&self, key: K, load: impl FnOnce() -> Fut) -> Result<V, CacheError<E>>
    where
        Fut: Future<Output = Result<V, E>>,
    {
        let slot = {
            let mut slots = self.slots();
            let fresh = slots
                .by_key
                .get(&key)
                .and_then(|(_, slot)| match slot.get() {
                    Some(Ok(entry)) if entry.loaded_at.elapsed() >= self.ttl => None,
                    Some(Err(_)) => None,
                    _ => Some(Arc::clone(slot)),
                });
            match fresh {
                Some(slot) => slot,
                None => slots.insert(&key, self.capacity),
            }
        };
        let loaded = slot
            .get_or_init(|| async {
                match timeout(self.load_timeout, load()).await {
                    Ok(Ok(value)) => Ok(Entry {
                        value,
                        loaded_at: Instant::now(),
                    }),
                    Ok(Err(error)) => Err(CacheError::Load(error)),
                    Err(_elapsed) => Err(CacheError::Timeout(self.load_timeout)),
                }
            })
            .await;
        match loaded {
            Ok(entry) => Ok(entry.value.clone()),
            Err(error) => {
                // A failed load keeps no slot, or a stream of keys that
                // don't exist would fill the map with errors.
                self.slots().remove(&key, &slot);
                Err(error.clone())
            }
        }
    }
}

pub async fn run() {
    let start = Instant::now();
    let stamp = || format!("[{:.1}s]", start.elapsed().as_secs_f64());
    let cache = TtlCache::new(Duration::from_secs(2), Duration::from_secs(1), CAPACITY);
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
    join_all((0..3).map(|_| get(3, Duration::from_secs(5)))).await;
    assert_eq!(db.queries(), 4, "one load, and its timeout, for all three");
    get(3, quick).await;
    assert_eq!(db.queries(), 5, "the timed-out load was not kept");

    println!();
    println!("{} (the cache is full: users 1, 2 and 3)", stamp());
    get(9, quick).await;
    assert_eq!(db.queries(), 6);
    println!(
        "{} keys cached: {}; user 1, the oldest, made room, and user 9's failed load kept none",
        stamp(),
        cache.len()
    );
    assert_eq!(cache.len(), 2);
}

/// Small, so that the demonstration fills it.
const CAPACITY: NonZeroUsize = NonZeroUsize::new(3).expect("not zero");

// The demonstration's database, slow and counting its queries, and how a
// result is printed.

#[derive(Clone, Debug, thiserror::Error)]
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

#[cfg(test)]
mod tests {
    use super::*;

    type Cache = TtlCache<u32, u32, NoSuchUser>;

    fn cache(capacity: usize) -> Cache {
        let capacity = NonZeroUsize::new(capacity).unwrap();
        Cache::new(Duration::from_secs(60), Duration::from_secs(1), capacity)
    }

    /// The keys cached, checking that both maps hold the same ones.
    fn keys(cache: &Cache) -> Vec<u32> {
        let slots = cache.slots();
        let mut keys: Vec<u32> = slots.by_arrival.values().copied().collect();
        keys.sort_unstable();
        let mut by_key: Vec<u32> = slots.by_key.keys().copied().collect();
        by_key.sort_unstable();
        assert_eq!(keys, by_key);
        keys
    }

    async fn load(cache: &Cache, id: u32) {
        cache
            .get_or_load(id, || async move { Ok(id) })
            .await
            .unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn keys_whose_loads_fail_keep_no_slot() {
        let cache = cache(10);
        for id in 0..1000 {
            let missing = cache.get_or_load(id, || async move { Err(NoSuchUser(id)) });
            assert!(missing.await.is_err());
        }
        assert!(keys(&cache).is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_cache_drops_the_key_it_has_held_longest() {
        let cache = cache(2);
        for id in 1..=3 {
            load(&cache, id).await;
            sleep(Duration::from_secs(1)).await;
        }
        assert_eq!(keys(&cache), [2, 3]);
        // Loading key 2 again after it expired makes it the newest.
        sleep(Duration::from_secs(60)).await;
        load(&cache, 2).await;
        load(&cache, 4).await;
        assert_eq!(keys(&cache), [2, 4]);
    }

    #[tokio::test(start_paused = true)]
    async fn keys_loaded_at_one_instant_are_evicted_one_at_a_time() {
        let cache = cache(2);
        load(&cache, 1).await;
        load(&cache, 2).await;
        load(&cache, 3).await;
        assert_eq!(keys(&cache), [2, 3]);
    }

    #[tokio::test(start_paused = true)]
    async fn loads_in_flight_count_toward_the_capacity_and_still_answer() {
        let cache = cache(2);
        let slow = |id: u32| async move {
            sleep(Duration::from_millis(100)).await;
            Ok(id)
        };
        let results = join_all((1..=5).map(|id| cache.get_or_load(id, move || slow(id)))).await;
        assert_eq!(
            results.into_iter().map(Result::unwrap).collect::<Vec<_>>(),
            [1, 2, 3, 4, 5]
        );
        assert_eq!(keys(&cache), [4, 5]);
    }
}
