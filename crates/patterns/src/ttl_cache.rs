//! An async cache whose entries expire after a time-to-live, whose loads
//! have a timeout, and where concurrent misses for one key share one load
//! and its outcome, success or failure.
//!
//! Three kinds of timeout, all on Tokio's clock, so the paused clock drives
//! them and the output is the same on every run:
//! - each entry expires `ttl` after it was loaded (`tokio::time::Instant`);
//! - each load is bounded by `tokio::time::timeout`, and a load that fails or
//!   times out is not kept, so the next caller tries again;
//! - none for the callers who wait on someone else's load: they get its
//!   outcome, the error included, when it ends.
//!
//! The async-specific problem a cache has is the stampede: when a popular
//! entry is missing, every request that arrives before the first load
//! finishes starts a load of its own. Here each key has a
//! `tokio::sync::OnceCell`; `get_or_init` runs one loader, and every other
//! caller for that key awaits the same cell. The cell holds the load's
//! outcome, `Ok` or `Err`, so a failure reaches every waiter too. That is why
//! this is not `get_or_try_init`: it shares only success. When its loader
//! fails or times out, the cell stays empty and the next waiter runs its own
//! load, then the next: three callers for a key whose load times out after
//! 1 s would get their errors after 1, 2 and 3 s, from three loads. A cell
//! that holds an error is removed from the map, and an expired one replaced
//! by a fresh cell when next asked for; callers still holding the old one
//! finish with what it holds.
//!
//! One case still runs a second load: if the caller running the load is
//! cancelled, its load is dropped with it, and the next waiter starts its
//! own. (Spawning the load as a task of its own avoids that, at the price of
//! a `'static` loader.)
//!
//! The map is locked with a `std` mutex only to find, replace or remove a
//! cell, never across a load, so one slow key does not hold up the others.
//! It is bounded, since every key asked for would otherwise keep a slot: a
//! failed load's slot leaves the map as soon as its outcome is in (the
//! callers holding it still get the error), and a new key that finds the
//! map at `capacity` first clears out the expired entries, then, if they
//! were not enough, the entry loaded longest ago. Keys still loading are
//! not evicted, so the map can run over `capacity` by the loads in flight,
//! which the callers awaiting them bound. A production cache with
//! expiration, size limits and the same single-flight loading is the `moka`
//! crate, whose `try_get_with` also hands a failed load's error to every
//! waiter, as an `Arc<E>`.
//!
//! Translates:
//! - *Python Async/Await*, "Exercises" (exercise 5: "Implement an async
//!   cache with timeout functionality")

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use futures::future::join_all;
use tokio::sync::OnceCell;
use tokio::time::{Instant, sleep, timeout};

struct TtlCache<K, V, E> {
    ttl: Duration,
    load_timeout: Duration,
    /// How many keys the map keeps, not counting those being loaded.
    capacity: usize,
    slots: Mutex<HashMap<K, Slot<V, E>>>,
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

impl<K: Hash + Eq + Clone, V: Clone, E: Clone> TtlCache<K, V, E> {
    fn new(ttl: Duration, load_timeout: Duration, capacity: usize) -> Self {
        Self {
            ttl,
            load_timeout,
            capacity,
            slots: Mutex::new(HashMap::new()),
        }
    }

    fn slots(&self) -> MutexGuard<'_, HashMap<K, Slot<V, E>>> {
        // Each change to the map is one call that can't leave it half done.
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn len(&self) -> usize {
        self.slots().len()
    }

    /// Makes room for one more key in a full map: drops the expired and
    /// failed entries and the cells whose loader was cancelled (no caller
    /// holds them any more), then, if that was not enough, the entry loaded
    /// longest ago. A key being loaded is never dropped, so the map can
    /// hold more than `capacity` keys by the loads in flight.
    fn make_room(&self, slots: &mut HashMap<K, Slot<V, E>>) {
        if slots.len() < self.capacity {
            return;
        }
        slots.retain(|_, slot| match slot.get() {
            Some(Ok(entry)) => entry.loaded_at.elapsed() < self.ttl,
            Some(Err(_)) => false,
            None => Arc::strong_count(slot) > 1,
        });
        if slots.len() < self.capacity {
            return;
        }
        let loaded_at = |slot: &Slot<V, E>| match slot.get() {
            Some(Ok(entry)) => Some(entry.loaded_at),
            _ => None,
        };
        if let Some(oldest) = slots.values().filter_map(loaded_at).min() {
            slots.retain(|_, slot| loaded_at(slot) != Some(oldest));
        }
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
            if !slots.contains_key(&key) {
                self.make_room(&mut slots);
            }
            let slot = slots.entry(key.clone()).or_default();
            let stale = match slot.get() {
                Some(Ok(entry)) => entry.loaded_at.elapsed() >= self.ttl,
                Some(Err(_)) => true,
                None => false,
            };
            if stale {
                *slot = Arc::default();
            }
            slot.clone()
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
                // don't exist would grow the map without end. (Only this
                // slot: a newer one for the key may have replaced it.)
                let mut slots = self.slots();
                if slots.get(&key).is_some_and(|kept| Arc::ptr_eq(kept, &slot)) {
                    slots.remove(&key);
                }
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
        "{} keys cached: {}; user 1's expired entry made room, and user 9's failed load kept none",
        stamp(),
        cache.len()
    );
    assert_eq!(cache.len(), 2);
}

/// Small, so that the demonstration fills it.
const CAPACITY: usize = 3;

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

    #[tokio::test(start_paused = true)]
    async fn keys_whose_loads_fail_keep_no_slot() {
        let cache = Cache::new(Duration::from_secs(60), Duration::from_secs(1), 10);
        for id in 0..1000 {
            let missing = cache.get_or_load(id, || async move { Err(NoSuchUser(id)) });
            assert!(missing.await.is_err());
        }
        assert_eq!(cache.len(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_cache_drops_the_entry_loaded_longest_ago() {
        let cache = Cache::new(Duration::from_secs(60), Duration::from_secs(1), 2);
        for id in 1..=3 {
            cache
                .get_or_load(id, || async move { Ok(id) })
                .await
                .unwrap();
            sleep(Duration::from_secs(1)).await;
        }
        assert_eq!(cache.len(), 2);
        let slots = cache.slots();
        assert!(!slots.contains_key(&1), "the oldest entry was kept");
        assert!(slots.contains_key(&2) && slots.contains_key(&3));
    }
}
