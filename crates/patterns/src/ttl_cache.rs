//! An async cache whose entries expire after a time-to-live, whose loads
//! have a timeout, and where concurrent misses for one key share one load
//! and its outcome, success or failure.
//!
//! Solves exercise 5 of *Python Async/Await*, "Exercises": "Implement
//! an async cache with timeout functionality".
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
//! that holds an error, like an expired one, is replaced by a fresh cell
//! when next asked for, so callers still holding the old one finish with
//! what it holds.
//!
//! One case still runs a second load: if the caller running the load is
//! cancelled, its load is dropped with it, and the next waiter starts its
//! own. (Spawning the load as a task of its own avoids that, at the price of
//! a `'static` loader.)
//!
//! The map is locked with a `std` mutex only to find or replace a cell,
//! never across a load, so one slow key does not hold up the others. Expired
//! entries are replaced when next asked for, not swept; a production cache
//! with sweeping, size limits and the same single-flight loading is the
//! `moka` crate, whose `try_get_with` also hands a failed load's error to
//! every waiter, as an `Arc<E>`.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::future::join_all;
use tokio::sync::OnceCell;
use tokio::time::{Instant, sleep, timeout};

struct TtlCache<K, V, E> {
    ttl: Duration,
    load_timeout: Duration,
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

impl<K: Hash + Eq, V: Clone, E: Clone> TtlCache<K, V, E> {
    fn new(ttl: Duration, load_timeout: Duration) -> Self {
        Self {
            ttl,
            load_timeout,
            slots: Mutex::new(HashMap::new()),
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
            let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
            let slot = slots.entry(key).or_default();
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
            Err(error) => Err(error.clone()),
        }
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
    join_all((0..3).map(|_| get(3, Duration::from_secs(5)))).await;
    assert_eq!(db.queries(), 4, "one load, and its timeout, for all three");
    get(3, quick).await;
    assert_eq!(db.queries(), 5, "the timed-out load was not kept");

    println!();
    get(9, quick).await;
    assert_eq!(db.queries(), 6);
}

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
