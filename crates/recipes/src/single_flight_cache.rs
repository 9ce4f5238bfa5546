//! A cache where concurrent requests for one key share one load: the first
//! caller loads, the others wait for its result, a failed load is shared
//! with those waiting but not kept, and the cache holds a bounded number of
//! keys.
//!
//! In asyncio: a dict from key to an `asyncio.Task`, where one cancelled
//! waiter cancels the task for all unless each waits through `shield`. Here
//! each key has a `tokio::sync::OnceCell`: the first caller runs the load, the
//! others get a clone of its result, an error included, and a failed entry is
//! then removed. A cancelled loader drops the load, and a waiter starts it
//! again.
//!
//! What not to undo when you copy it:
//! - The map's lock is never held across an `.await`.
//! - The deadline inside the load (`load_timeout`): every caller of the key
//!   waits on one load, and a timeout around `get` frees only its caller.
//! - A failed load is removed only if its entry is still the one that
//!   failed (`Arc::ptr_eq`).
//! - The bound on the number of keys, which often come from requests; `moka`
//!   evicts by age or use.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::future::join_all;
use tokio::sync::OnceCell;
use tokio::time::{Instant, sleep, timeout};

type Entry<V, E> = Arc<OnceCell<Result<V, LoadError<E>>>>;

pub struct SingleFlight<K, V, E> {
    entries: Mutex<HashMap<K, Entry<V, E>>>,
    max_entries: usize,
    load_timeout: Duration,
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum LoadError<E> {
    #[error("{0}")]
    Failed(E),
    #[error("no answer within {0:?}")]
    TimedOut(Duration),
}

impl<K, V, E> SingleFlight<K, V, E>
where
    K: Eq + Hash + Clone,
    V: Clone,
    E: Clone,
{
    pub fn new(max_entries: usize, load_timeout: Duration) -> Self {
        SingleFlight {
            entries: Mutex::new(HashMap::new()),
            max_entries,
            load_timeout,
        }
    }

    /// The cached value for `key`, or the result of `load`, which runs once
    /// for every caller asking for `key` while it runs, for `load_timeout`
    /// at most.
    pub async fn get<F, Fut>(&self, key: &K, load: F) -> Result<V, LoadError<E>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        let entry = self.entry(key);
        let load_timeout = self.load_timeout;
        let load = || async move {
            match timeout(load_timeout, load()).await {
                Ok(loaded) => loaded.map_err(LoadError::Failed),
                Err(_elapsed) => Err(LoadError::TimedOut(load_timeout)),
            }
        };
        let result = entry.get_or_init(load).await.clone();
        if result.is_err() {
            let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
            if entries
                .get(key)
                .is_some_and(|current| Arc::ptr_eq(current, &entry))
            {
                entries.remove(key);
            }
        }
        result
    }

    /// The entry for `key`, new if there is none. A full map first drops a
    /// finished entry, or an abandoned one; if every entry is still
    /// loading, the new one is not kept, and its load is shared with no
    /// one.
    fn entry(&self, key: &K) -> Entry<V, E> {
        // A panic elsewhere while the lock was held leaves the map as it
        // was: every change to it is a single insert or remove.
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = entries.get(key) {
            return Arc::clone(entry);
        }
        if entries.len() >= self.max_entries {
            // A caller holds a share of the entry it loads or waits for,
            // and gets one only under this lock: an entry with none but the
            // map's is finished, or its callers were all cancelled.
            let finished = entries
                .iter()
                .find(|(_, entry)| entry.initialized() || Arc::strong_count(entry) == 1)
                .map(|(key, _)| key.clone());
            match finished {
                Some(finished) => {
                    entries.remove(&finished);
                }
                None => return Arc::default(),
            }
        }
        Arc::clone(entries.entry(key.clone()).or_default())
    }
}

pub async fn run() -> anyhow::Result<()> {
    let start = Instant::now();
    let users = SingleFlight::new(100, Duration::from_secs(1));
    let get = |key: &'static str| {
        // `async move` copies this reference into each future; moving the
        // cache itself would give it to the first one only. See "The Rust
        // you need", `move`.
        let users = &users;
        async move {
            let result = users.get(&key, || load_user(key, start)).await;
            println!("{key}: {result:?} at {:.1}s", start.elapsed().as_secs_f64());
        }
    };

    // Four callers at once: one load.
    join_all([get("user:1"), get("user:1"), get("user:1"), get("user:1")]).await;
    // Later: from the cache, no load.
    get("user:1").await;
    // A load that fails: shared by both callers, then forgotten.
    join_all([get("user:9"), get("user:9")]).await;
    get("user:9").await;

    // The caller running the load gives up after 0.2 s; the other caller,
    // waiting for it, loads again.
    let impatient = async {
        if timeout(Duration::from_millis(200), get("user:2"))
            .await
            .is_err()
        {
            println!(
                "user:2: the first caller gave up at {:.1}s",
                start.elapsed().as_secs_f64()
            );
        }
    };
    let patient = async {
        sleep(Duration::from_millis(100)).await;
        get("user:2").await;
    };
    tokio::join!(impatient, patient);

    // A load that hangs: both callers get the timeout, and the entry is
    // dropped like any failed load's.
    join_all([get("user:3"), get("user:3")]).await;
    Ok(())
}

// What only feeds the demonstration: a lookup that takes 0.5 s, fails for
// user 9 and never answers for user 3.

async fn load_user(key: &str, start: Instant) -> Result<String, String> {
    println!("loading {key} at {:.1}s", start.elapsed().as_secs_f64());
    if key == "user:3" {
        std::future::pending::<()>().await;
    }
    sleep(Duration::from_millis(500)).await;
    match key {
        "user:1" => Ok("Ada".to_owned()),
        "user:2" => Ok("Grace".to_owned()),
        _ => Err(format!("no such user: {key}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIMEOUT: Duration = Duration::from_secs(10);

    fn len<K, V, E>(cache: &SingleFlight<K, V, E>) -> usize {
        cache.entries.lock().unwrap().len()
    }

    #[tokio::test]
    async fn a_full_cache_drops_a_finished_entry_for_a_new_key() {
        let cache = SingleFlight::<u32, u32, ()>::new(2, TIMEOUT);
        for key in 0..5 {
            assert_eq!(
                cache.get(&key, || async move { Ok(key * 10) }).await,
                Ok(key * 10)
            );
            assert!(len(&cache) <= 2);
        }
        assert_eq!(len(&cache), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn an_entry_whose_callers_all_gave_up_makes_room() {
        let cache = SingleFlight::<u32, u32, ()>::new(2, TIMEOUT);
        let never = || std::future::pending::<Result<u32, ()>>();
        for key in [1, 2] {
            let given_up = timeout(Duration::from_millis(100), cache.get(&key, never)).await;
            assert!(given_up.is_err());
        }
        assert_eq!(len(&cache), 2);
        // Four callers at once still share one load, and the value is kept.
        let loads = std::sync::atomic::AtomicU32::new(0);
        let load = || async {
            loads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            sleep(Duration::from_millis(100)).await;
            Ok(3)
        };
        let results = join_all((0..4).map(|_| cache.get(&3, load))).await;
        assert_eq!(results, [const { Ok(3) }; 4]);
        assert_eq!(cache.get(&3, load).await, Ok(3));
        assert_eq!(loads.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn when_every_entry_is_loading_a_new_key_is_loaded_but_not_kept() {
        let cache = SingleFlight::<u32, u32, ()>::new(1, TIMEOUT);
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        let slow = cache.get(&1, || async {
            let _ = released.await;
            Ok(1)
        });
        let other = async {
            tokio::task::yield_now().await;
            let value = cache.get(&2, || async { Ok(2) }).await;
            assert_eq!(len(&cache), 1, "key 2 must not be kept");
            let _ = release.send(());
            value
        };
        assert_eq!(tokio::join!(slow, other), (Ok(1), Ok(2)));
    }

    #[tokio::test]
    async fn a_failed_load_is_not_kept() {
        let cache = SingleFlight::<u32, u32, &str>::new(10, TIMEOUT);
        let failed = cache.get(&1, || async { Err("down") }).await;
        assert_eq!(failed, Err(LoadError::Failed("down")));
        assert_eq!(cache.get(&1, || async { Ok(1) }).await, Ok(1));
    }

    #[tokio::test(start_paused = true)]
    async fn a_load_that_hangs_ends_for_every_caller_and_frees_its_slot() {
        let cache = SingleFlight::<u32, u32, ()>::new(1, TIMEOUT);
        let hung = || std::future::pending::<Result<u32, ()>>();
        let start = Instant::now();
        let both = futures::future::join(cache.get(&1, hung), cache.get(&1, hung));
        let (first, second) = timeout(2 * TIMEOUT, both)
            .await
            .expect("the callers wait for ever");
        assert_eq!(first, Err(LoadError::TimedOut(TIMEOUT)));
        assert_eq!(second, Err(LoadError::TimedOut(TIMEOUT)));
        assert_eq!(start.elapsed(), TIMEOUT, "one load, one deadline for both");
        assert_eq!(len(&cache), 0);
        assert_eq!(cache.get(&2, || async { Ok(2) }).await, Ok(2));
        assert_eq!(len(&cache), 1);
    }
}
