//! An async cache whose entries expire after a time-to-live, whose loads
//! have a timeout, and where concurrent misses for one key share one load
//! and its outcome, success or failure.
//!
//! A miss starts the load as a `Shared` future that every caller for that
//! key awaits: whichever of them is polled drives it, timeout included, so a
//! caller that stops being polled holds up none of the others (in a
//! `tokio::sync::OnceCell`, the load would live in the first caller's future
//! alone). A load that panics is an error for its callers, and the next miss
//! loads again. Only a load that succeeded is stored, and only then does a
//! full cache drop the entry loaded longest ago (with one time-to-live for
//! all, an expired one if there is any). Loads in flight are not entries:
//! they are bounded by the callers waiting on them.
//!
//! Translates:
//! - *Python Async/Await*, "Exercises" (exercise 5: "Implement an async
//!   cache with timeout functionality")

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::num::NonZeroUsize;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use futures::FutureExt;
use futures::future::{BoxFuture, Shared, WeakShared, join_all};
use tokio::time::{Instant, sleep, timeout};

struct TtlCache<'a, K, V, E> {
    ttl: Duration,
    load_timeout: Duration,
    capacity: NonZeroUsize,
    state: Mutex<State<'a, K, V, E>>,
}

#[derive(Clone)]
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
    #[error("loading panicked")]
    Panicked,
}

/// A load in flight: its callers hold it, and it ends when the last lets go.
type Load<'a, V, E> = Shared<LoadFuture<'a, V, E>>;
type LoadFuture<'a, V, E> = BoxFuture<'a, Result<Entry<V>, CacheError<E>>>;

struct State<'a, K, V, E> {
    /// Each entry with its place in `by_age`.
    entries: HashMap<K, (Age, Entry<V>)>,
    /// The same keys, loaded longest ago first.
    by_age: BTreeMap<Age, K>,
    /// The loads in flight, by key, each with its number.
    loading: HashMap<K, (u64, WeakShared<LoadFuture<'a, V, E>>)>,
    /// Numbers the loads, and orders entries loaded at one instant.
    next: u64,
}

type Age = (Instant, u64);

impl<K: Hash + Eq + Clone, V, E> State<'_, K, V, E> {
    /// Stores a loaded value; in a full cache, in place of the entry loaded
    /// longest ago.
    fn insert(&mut self, key: K, entry: Entry<V>, capacity: NonZeroUsize) {
        if let Some((age, _)) = self.entries.remove(&key) {
            self.by_age.remove(&age);
        } else if self.entries.len() >= capacity.get()
            && let Some((_, oldest)) = self.by_age.pop_first()
        {
            self.entries.remove(&oldest);
        }
        let age = (entry.loaded_at, self.next);
        self.next += 1;
        self.by_age.insert(age, key.clone());
        self.entries.insert(key, (age, entry));
    }
}

impl<'a, K, V, E> TtlCache<'a, K, V, E>
where
    K: Hash + Eq + Clone,
    V: Clone + Send + Sync + 'a,
    E: Clone + Send + Sync + 'a,
{
    fn new(ttl: Duration, load_timeout: Duration, capacity: NonZeroUsize) -> Self {
        Self {
            ttl,
            load_timeout,
            capacity,
            state: Mutex::new(State {
                entries: HashMap::new(),
                by_age: BTreeMap::new(),
                loading: HashMap::new(),
                next: 0,
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State<'a, K, V, E>> {
        lock(&self.state)
    }

    fn len(&self) -> usize {
        self.state().entries.len()
    }

    /// The keys cached, loaded longest ago first.
    fn keys(&self) -> Vec<K> {
        self.state().by_age.values().cloned().collect()
    }

    /// The cached value for `key`, or the outcome of `load` if there is none
    /// or it has expired. Callers who arrive while a load runs get its
    /// outcome. `load` is called with the cache locked, only to make the
    /// future that does the work: it must not use the cache itself.
    async fn get_or_load<Fut>(&self, key: K, load: impl FnOnce() -> Fut) -> Result<V, CacheError<E>>
    where
        Fut: Future<Output = Result<V, E>> + Send + 'a,
    {
        // Declared before the load it watches, so dropped after it.
        let mut leaving = Leaving {
            state: &self.state,
            key: key.clone(),
            id: None,
        };
        let (id, shared) = {
            let mut state = self.state();
            if let Some((_, entry)) = state.entries.get(&key)
                && entry.loaded_at.elapsed() < self.ttl
            {
                return Ok(entry.value.clone());
            }
            let joined = state
                .loading
                .get(&key)
                .and_then(|(id, load)| Some((*id, load.upgrade()?)));
            match joined {
                Some(joined) => joined,
                None => {
                    let id = state.next;
                    state.next += 1;
                    let shared = self.start(load);
                    if let Some(weak) = shared.downgrade() {
                        state.loading.insert(key.clone(), (id, weak));
                    }
                    (id, shared)
                }
            }
        };
        leaving.id = Some(id);
        let outcome = shared.await;

        // The first caller back files the outcome; a failure is not kept.
        let mut state = self.state();
        if state
            .loading
            .get(&key)
            .is_some_and(|(filed, _)| *filed == id)
        {
            state.loading.remove(&key);
            if let Ok(entry) = &outcome {
                state.insert(key, entry.clone(), self.capacity);
            }
        }
        outcome.map(|entry| entry.value)
    }

    fn start<Fut>(&self, load: impl FnOnce() -> Fut) -> Load<'a, V, E>
    where
        Fut: Future<Output = Result<V, E>> + Send + 'a,
    {
        let load_timeout = self.load_timeout;
        // Caught, so that a panic is an outcome like the others: `Shared`
        // would panic again for every caller that came later, for as long as
        // one caller still held the load.
        let load = AssertUnwindSafe(load()).catch_unwind();
        async move {
            match timeout(load_timeout, load).await {
                Ok(Ok(Ok(value))) => Ok(Entry {
                    value,
                    loaded_at: Instant::now(),
                }),
                Ok(Ok(Err(error))) => Err(CacheError::Load(error)),
                Ok(Err(_panic)) => Err(CacheError::Panicked),
                Err(_elapsed) => Err(CacheError::Timeout(load_timeout)),
            }
        }
        .boxed()
        .shared()
    }
}

/// Each change to the maps is a few calls that can't panic between them, so
/// a poisoned lock still guards whole maps.
fn lock<T>(state: &Mutex<T>) -> MutexGuard<'_, T> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Dropped with its caller, after the caller's hold on the load: if nobody
/// holds that load any more, it is gone, and so is its place in the map.
struct Leaving<'c, 'a, K: Hash + Eq, V, E> {
    state: &'c Mutex<State<'a, K, V, E>>,
    key: K,
    id: Option<u64>,
}

impl<K: Hash + Eq, V, E> Drop for Leaving<'_, '_, K, V, E> {
    fn drop(&mut self) {
        let mut state = lock(self.state);
        if let Some((id, load)) = state.loading.get(&self.key)
            && Some(*id) == self.id
            && load.upgrade().is_none()
        {
            state.loading.remove(&self.key);
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
    println!(
        "{} (the cache is full: users 1, 2 and 3; user 1's has just expired)",
        stamp()
    );
    get(9, quick).await;
    assert_eq!(db.queries(), 6);
    println!(
        "{} users cached, loaded longest ago first: {:?}; a failed load makes no room",
        stamp(),
        cache.keys()
    );
    assert_eq!(cache.len(), 3);
    get(4, quick).await;
    println!(
        "{} users cached: {:?}; user 1, loaded longest ago and expired, made room",
        stamp(),
        cache.keys()
    );
    assert_eq!(cache.keys(), [2, 3, 4]);
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
            4 => Ok("Dave".to_owned()),
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
    use std::future::pending;
    use std::pin::pin;

    use futures::poll;

    use super::*;

    type Cache = TtlCache<'static, u32, u32, NoSuchUser>;

    fn cache(capacity: usize) -> Cache {
        let capacity = NonZeroUsize::new(capacity).unwrap();
        Cache::new(Duration::from_secs(60), Duration::from_secs(1), capacity)
    }

    /// The keys cached, loaded longest ago first, checking that the maps
    /// agree and that no load is left in flight.
    fn keys(cache: &Cache) -> Vec<u32> {
        let state = cache.state();
        assert_eq!(state.entries.len(), state.by_age.len());
        assert!(
            state
                .by_age
                .iter()
                .all(|(age, key)| state.entries[key].0 == *age)
        );
        assert!(state.loading.is_empty());
        state.by_age.values().copied().collect()
    }

    async fn load(cache: &Cache, id: u32) {
        cache
            .get_or_load(id, || async move { Ok(id) })
            .await
            .unwrap();
    }

    async fn missing(cache: &Cache, id: u32) {
        let result = cache.get_or_load(id, || async move {
            sleep(Duration::from_millis(100)).await;
            Err(NoSuchUser(id))
        });
        assert!(result.await.is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn keys_whose_loads_fail_keep_no_slot() {
        let cache = cache(10);
        for id in 0..1000 {
            missing(&cache, id).await;
        }
        assert!(keys(&cache).is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn misses_evict_nothing_before_their_load_succeeds() {
        let cache = cache(3);
        for id in 1..=3 {
            load(&cache, id).await;
        }
        join_all((7..=9).map(|id| missing(&cache, id))).await;
        assert_eq!(keys(&cache), [1, 2, 3]);
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

    /// Key 1's load starts first and ends last: key 2, loaded before it,
    /// expires first, and goes first.
    #[tokio::test(start_paused = true)]
    async fn a_full_cache_drops_an_expired_key_before_a_fresh_one() {
        let cache = Cache::new(
            Duration::from_secs(60),
            Duration::from_secs(20),
            NonZeroUsize::new(2).unwrap(),
        );
        let slow = cache.get_or_load(1, || async {
            sleep(Duration::from_secs(10)).await;
            Ok(1)
        });
        let fast = async {
            sleep(Duration::from_secs(1)).await;
            load(&cache, 2).await;
        };
        let (slow, ()) = futures::join!(slow, fast);
        slow.unwrap();
        sleep(Duration::from_secs(60)).await;
        load(&cache, 3).await;
        assert_eq!(keys(&cache), [1, 3]);
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
    async fn loads_in_flight_take_no_room_and_still_answer() {
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

    #[tokio::test(start_paused = true)]
    async fn a_load_every_caller_gave_up_on_is_dropped() {
        let cache = cache(2);
        let hung = || pending::<Result<u32, NoSuchUser>>();
        let gave_up = timeout(Duration::from_millis(500), cache.get_or_load(1, hung)).await;
        assert!(gave_up.is_err());
        assert!(keys(&cache).is_empty(), "the map kept the abandoned load");
    }

    /// The caller that started the load, polled once and then neither
    /// polled nor dropped, holds up nobody: the next caller drives the
    /// shared load, and its timeout.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_holds_up_no_one_waiting_on_its_load() {
        let cache = cache(2);
        let hung = || pending::<Result<u32, NoSuchUser>>();
        let mut held = pin!(cache.get_or_load(1, hung));
        assert!(poll!(held.as_mut()).is_pending());
        let next = timeout(Duration::from_secs(2), cache.get_or_load(1, hung)).await;
        assert!(matches!(next, Ok(Err(CacheError::Timeout(_)))));
        let slow = || async {
            sleep(Duration::from_millis(100)).await;
            Ok(2)
        };
        let mut held = pin!(cache.get_or_load(2, slow));
        assert!(poll!(held.as_mut()).is_pending());
        let next = timeout(Duration::from_secs(2), cache.get_or_load(2, slow)).await;
        assert_eq!(next.unwrap().unwrap(), 2);
    }

    /// A load that panics while one of its callers is held (polled once,
    /// then neither polled nor dropped) poisons nothing: the caller that
    /// drove it gets an error, and the next caller a fresh load.
    #[tokio::test(start_paused = true)]
    async fn held_caller_a_load_that_panics_leaves_the_key_loadable() {
        let cache = cache(2);
        let panics = || async {
            sleep(Duration::from_millis(100)).await;
            panic!("a load failed on purpose");
        };
        let mut held = pin!(cache.get_or_load(1, panics));
        assert!(poll!(held.as_mut()).is_pending());
        let driver = AssertUnwindSafe(cache.get_or_load(1, panics))
            .catch_unwind()
            .await;
        assert!(
            matches!(driver, Ok(Err(CacheError::Panicked))),
            "the caller that drove the load panicked too"
        );
        let next = AssertUnwindSafe(cache.get_or_load(1, || async { Ok(1) }))
            .catch_unwind()
            .await;
        assert!(matches!(next, Ok(Ok(1))), "the key stayed poisoned");
    }
}
