//! A cache where concurrent requests for one key share one load: the load
//! runs in a task of its own, every caller asking for the key meanwhile
//! waits for its result, a failed load is shared with those waiting but not
//! kept, and the cache holds a bounded number of keys.
//!
//! In asyncio: a dict from key to an `asyncio.Task`, each caller awaiting it
//! through `shield`, since a cancelled waiter would cancel the task for all.
//! Here the first caller spawns the load, and each caller awaits a clone of
//! its handle, made shareable by `futures`' `Shared`; a caller that gives up
//! drops only its clone. The load runs in a task, not in a caller's future as
//! `OnceCell::get_or_init` runs it, so a caller left unpolled holds up no
//! other (`pitfalls/futurelock` says why; the tests show both).
//!
//! What not to undo when you copy it:
//! - The load in a task, with its deadline (`load_timeout`) inside the task.
//! - The map holds a load in flight weakly.
//! - The map's lock is never held across an `.await`.
//! - A result is recorded only if the key still maps to the load that made
//!   it (`ptr_eq`).
//! - The bound on the number of keys; `moka` evicts by age or use.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use futures::FutureExt as _;
use futures::future::{BoxFuture, Shared, WeakShared, join_all};
use tokio::time::{Instant, sleep, timeout};
use tokio_util::task::AbortOnDropHandle;

/// A load's task, as the callers waiting for it share it.
type Load<V, E> = Shared<BoxFuture<'static, Result<V, LoadError<E>>>>;

enum Entry<V, E> {
    /// Held weakly: the callers waiting for it hold it, so when the last of
    /// them gives up, the load is aborted, and its entry makes room.
    Loading(WeakShared<BoxFuture<'static, Result<V, LoadError<E>>>>),
    Loaded(V),
}

/// What a caller finds for its key.
enum Found<V, E> {
    Loaded(V),
    Loading(Load<V, E>),
}

pub struct SingleFlight<K, V, E> {
    entries: Mutex<HashMap<K, Entry<V, E>>>,
    /// Keys often come from requests: without a bound, so would memory.
    max_entries: usize,
    load_timeout: Duration,
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum LoadError<E> {
    #[error("{0}")]
    Failed(E),
    #[error("no answer within {0:?}")]
    TimedOut(Duration),
    /// The load's task panicked, or was cancelled as the runtime shut down.
    #[error("the load ended without a result")]
    Lost,
}

impl<K, V, E> SingleFlight<K, V, E>
where
    K: Eq + Hash + Clone,
    V: Clone + Send + Sync + 'static,
    E: Clone + Send + Sync + 'static,
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
    /// at most. `load` is called with the map locked, only to make the
    /// future that does the work: it must not use the cache itself. The
    /// deadline is inside the load's task: a timeout around `get` frees only
    /// its own caller.
    pub async fn get<F, Fut>(&self, key: &K, load: F) -> Result<V, LoadError<E>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>> + Send + 'static,
    {
        let load = match self.find(key, load) {
            Found::Loaded(value) => return Ok(value),
            Found::Loading(load) => load,
        };
        let result = load.clone().await;
        self.record(key, &load, &result);
        result
    }

    /// The value for `key`, or the load to wait for: the one in flight, or
    /// a new one. A full map first drops a loaded entry, or one whose
    /// callers all gave up; if every entry is loading for someone, the new
    /// load is not kept, and is shared with no one.
    fn find<F, Fut>(&self, key: &K, load: F) -> Found<V, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>> + Send + 'static,
    {
        // A panic elsewhere while the lock was held leaves the map as it
        // was: every change to it is a single insert or remove.
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        match entries.get(key) {
            Some(Entry::Loaded(value)) => return Found::Loaded(value.clone()),
            Some(Entry::Loading(weak)) => {
                if let Some(load) = weak.upgrade() {
                    return Found::Loading(load);
                }
            }
            None => {}
        }
        let load = self.spawn(load);
        if entries.len() >= self.max_entries && !entries.contains_key(key) {
            let done = entries
                .iter()
                .find(|(_, entry)| match entry {
                    Entry::Loaded(_) => true,
                    Entry::Loading(weak) => weak.upgrade().is_none(),
                })
                .map(|(key, _)| key.clone());
            match done {
                Some(done) => {
                    entries.remove(&done);
                }
                None => return Found::Loading(load),
            }
        }
        if let Some(weak) = load.downgrade() {
            entries.insert(key.clone(), Entry::Loading(weak));
        }
        Found::Loading(load)
    }

    /// Starts `load` in a task of its own, under its deadline. The task is
    /// aborted when the last share of it is dropped.
    fn spawn<F, Fut>(&self, load: F) -> Load<V, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>> + Send + 'static,
    {
        let (load, load_timeout) = (load(), self.load_timeout);
        let task = AbortOnDropHandle::new(tokio::spawn(async move {
            match timeout(load_timeout, load).await {
                Ok(loaded) => loaded.map_err(LoadError::Failed),
                Err(_elapsed) => Err(LoadError::TimedOut(load_timeout)),
            }
        }));
        async move { task.await.unwrap_or(Err(LoadError::Lost)) }
            .boxed()
            .shared()
    }

    /// Keeps a value, and forgets an error, if `key` still maps to `load`:
    /// the first caller to see the result records it.
    fn record(&self, key: &K, load: &Load<V, E>, result: &Result<V, LoadError<E>>) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let current = match entries.get(key) {
            Some(Entry::Loading(weak)) => weak.upgrade().is_some_and(|now| now.ptr_eq(load)),
            _ => false,
        };
        if current {
            match result {
                Ok(value) => {
                    entries.insert(key.clone(), Entry::Loaded(value.clone()));
                }
                Err(_) => {
                    entries.remove(key);
                }
            }
        }
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

    // The caller that started the load gives up after 0.6 s, half a second
    // after the other caller joined it; the load goes on in its task, for
    // the other caller.
    let impatient = async {
        if timeout(Duration::from_millis(600), get("user:2"))
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

// What only feeds the demonstration: a lookup that takes 0.5 s (user 2's
// 0.9 s, which outlives its first caller), fails for user 9 and never
// answers for user 3.

async fn load_user(key: &str, start: Instant) -> Result<String, String> {
    println!("loading {key} at {:.1}s", start.elapsed().as_secs_f64());
    if key == "user:3" {
        std::future::pending::<()>().await;
    }
    let lookup = if key == "user:2" { 900 } else { 500 };
    sleep(Duration::from_millis(lookup)).await;
    match key {
        "user:1" => Ok("Ada".to_owned()),
        "user:2" => Ok("Grace".to_owned()),
        _ => Err(format!("no such user: {key}")),
    }
}

#[cfg(test)]
mod tests {
    use std::pin::pin;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

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
        let loads = Arc::new(AtomicU32::new(0));
        let load = || {
            let loads = Arc::clone(&loads);
            async move {
                loads.fetch_add(1, Ordering::SeqCst);
                sleep(Duration::from_millis(100)).await;
                Ok(3)
            }
        };
        let results = join_all((0..4).map(|_| cache.get(&3, load))).await;
        assert_eq!(results, [const { Ok(3) }; 4]);
        assert_eq!(cache.get(&3, load).await, Ok(3));
        assert_eq!(loads.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_load_nobody_waits_for_is_aborted() {
        let cache = SingleFlight::<u32, u32, ()>::new(2, TIMEOUT);
        let (dropped, was_dropped) = tokio::sync::oneshot::channel::<()>();
        let load = move || async move {
            let _dropped_with_the_load = dropped;
            std::future::pending().await
        };
        let given_up = timeout(Duration::from_millis(100), cache.get(&1, load)).await;
        assert!(given_up.is_err());
        let aborted = timeout(Duration::from_millis(1), was_dropped).await;
        assert!(aborted.is_ok(), "the load runs on with no one waiting");
    }

    #[tokio::test]
    async fn when_every_entry_is_loading_a_new_key_is_loaded_but_not_kept() {
        let cache = SingleFlight::<u32, u32, ()>::new(1, TIMEOUT);
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        let slow = cache.get(&1, move || async move {
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

    /// The caller that starts the load is polled once, then neither polled
    /// again nor dropped, as a future kept across a `select!` loop can be:
    /// the others still get the value, well within the load's deadline.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_stalls_no_other_caller() {
        let cache = SingleFlight::<u32, u32, ()>::new(10, TIMEOUT);
        let load = || async {
            sleep(Duration::from_millis(100)).await;
            Ok(1)
        };
        let mut held = pin!(cache.get(&1, load));
        assert!(futures::poll!(held.as_mut()).is_pending());
        let others = join_all((0..3).map(|_| cache.get(&1, load)));
        let results = timeout(2 * TIMEOUT, others)
            .await
            .expect("the others wait for ever");
        assert_eq!(results, [const { Ok(1) }; 3]);
    }
}
