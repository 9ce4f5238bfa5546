//! A map many tasks update at once, split into shards that each have their
//! own `std::sync::Mutex`, locked only inside methods that are not `async`.
//!
//! Beyond the guides: the Tokio tutorial's "Shared state". asyncio's tasks
//! share a plain `dict` with no lock: one runs at a time, and nothing runs
//! between two of its awaits but itself. Tokio's multi-thread runtime runs
//! tasks on several threads at once, so the map needs a lock; and as nothing
//! is awaited while it is held, the standard library's, which is cheaper than
//! Tokio's. Only `ShardedMap`'s plain methods lock it, and `update` lends the
//! value to a closure, which can't `.await`, so no guard can be held across
//! one. A key's shard comes from its hash, so two tasks wait for each other
//! only when their keys share a shard. What that buys against one lock, and
//! the other designs (a task that owns the state): the book's page "Shared
//! state and locks".

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::task::{JoinError, JoinSet};

/// A `HashMap` split into shards, each behind its own lock. Share it in an
/// `Arc`; no method is `async`, and none returns a guard.
pub struct ShardedMap<K, V> {
    shards: Vec<Mutex<HashMap<K, V>>>,
    /// Picks a key's shard. Random per map, as `HashMap`'s own is, so that
    /// keys chosen by a client can't all be sent to one shard.
    hasher: RandomState,
}

impl<K: Hash + Eq, V> ShardedMap<K, V> {
    /// A map of `shards` shards (at least one). A shard count fixed at the
    /// start keeps a key's shard fixed too.
    pub fn new(shards: usize) -> Self {
        Self {
            shards: (0..shards.max(1)).map(|_| Mutex::default()).collect(),
            hasher: RandomState::new(),
        }
    }

    /// Runs `change` on the value of `key` (its default if absent) with the
    /// key's shard locked, and returns what it returns. A closure can't
    /// `.await`, so the lock is held for the change and no longer.
    pub fn update<R>(&self, key: K, change: impl FnOnce(&mut V) -> R) -> R
    where
        V: Default,
    {
        let mut shard = self.shard(&key);
        change(shard.entry(key).or_default())
    }

    /// A copy of the value of `key`: a reference would keep the shard locked.
    pub fn get(&self, key: &K) -> Option<V>
    where
        V: Clone,
    {
        self.shard(key).get(key).cloned()
    }

    /// Every entry, sorted by key. Each shard is locked in turn, never all
    /// at once, so entries changed meanwhile may be seen before or after:
    /// what sharding costs, next to one lock's view of one moment.
    pub fn entries(&self) -> Vec<(K, V)>
    where
        K: Clone + Ord,
        V: Clone,
    {
        let mut entries: Vec<(K, V)> = Vec::new();
        for shard in &self.shards {
            let shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
            entries.extend(shard.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        entries
    }

    fn shard(&self, key: &K) -> MutexGuard<'_, HashMap<K, V>> {
        let index = self.hasher.hash_one(key) % self.shards.len() as u64;
        // A panic inside `update`'s closure poisons the shard. The map is
        // still whole (an entry changed halfway at worst), so go on using it.
        let shard = &self.shards[index as usize];
        shard.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

pub async fn run() -> Result<(), JoinError> {
    let visits = Arc::new(ShardedMap::<&str, u32>::new(SHARDS));
    let mut tasks = JoinSet::new();
    for _ in 0..TASKS {
        let visits = visits.clone();
        tasks.spawn(async move {
            for page in pages_to_visit() {
                visits.update(page, |count| *count += 1);
                // The lock was let go when `update` returned: awaiting here
                // holds up no other task.
                tokio::task::yield_now().await;
            }
        });
    }
    while let Some(finished) = tasks.join_next().await {
        finished?;
    }
    println!("{TASKS} tasks counted visits:");
    let mut total = 0;
    for (page, count) in visits.entries() {
        println!("{page:<7} {count}");
        total += count;
    }
    for (page, per_task) in PAGES {
        assert_eq!(
            visits.get(&page),
            Some(TASKS * per_task),
            "{page} lost a visit"
        );
    }
    let expected = TASKS * PAGES.iter().map(|(_, visits)| visits).sum::<u32>();
    println!("total: {total} of {expected}, none lost");
    Ok(())
}

// What only feeds the demonstration: the pages, and how often each task
// visits each.

const TASKS: u32 = 8;
const SHARDS: usize = 16;
const PAGES: [(&str, u32); 5] = [
    ("/", 40),
    ("/shop", 20),
    ("/blog", 20),
    ("/about", 10),
    ("/cart", 10),
];

/// Each page as often as `PAGES` says, the pages taking turns.
fn pages_to_visit() -> Vec<&'static str> {
    let mut left = PAGES;
    let mut order = Vec::new();
    while left.iter().any(|(_, visits)| *visits > 0) {
        for (page, visits) in left.iter_mut().filter(|(_, visits)| *visits > 0) {
            order.push(*page);
            *visits -= 1;
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tasks on two threads at once, all changing the same 64 keys: no
    /// change is lost, since each is made whole with the shard locked.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_update_is_lost_across_threads() {
        let map = Arc::new(ShardedMap::<u64, u64>::new(4));
        let mut tasks = JoinSet::new();
        for task in 0..8 {
            let map = map.clone();
            tasks.spawn(async move {
                for i in 0..10_000 {
                    map.update((task + i) % 64, |count| *count += 1);
                    if i % 16 == 0 {
                        tokio::task::yield_now().await;
                    }
                }
            });
        }
        while let Some(finished) = tasks.join_next().await {
            finished.unwrap();
        }
        let mut expected: HashMap<u64, u64> = HashMap::new();
        for task in 0..8 {
            for i in 0..10_000 {
                *expected.entry((task + i) % 64).or_default() += 1;
            }
        }
        let mut expected: Vec<(u64, u64)> = expected.into_iter().collect();
        expected.sort();
        assert_eq!(map.entries(), expected);
    }

    /// The hash spreads keys over every shard; a map of one shard is one lock.
    #[test]
    fn keys_spread_over_every_shard() {
        let map = ShardedMap::<u32, ()>::new(16);
        for key in 0..1_000 {
            map.update(key, |_| ());
        }
        for shard in &map.shards {
            let keys = shard.lock().unwrap().len();
            assert!(keys > 0, "a shard with no key of 1,000");
        }
        assert_eq!(ShardedMap::<u32, ()>::new(0).shards.len(), 1);
    }

    /// A `std::sync::MutexGuard` whose block ends before the `.await` is
    /// not held there: `tokio::spawn` takes the future. A `drop(guard)` in
    /// its place is refused (the pitfalls crate's
    /// `compile-fail/std_mutex_dropped_before_await.rs`).
    #[tokio::test]
    async fn a_guard_whose_block_ends_before_an_await_can_be_spawned() {
        let count = Arc::new(Mutex::new(0));
        let shared = count.clone();
        let task = tokio::spawn(async move {
            {
                let mut guard = shared.lock().unwrap();
                *guard += 1;
            }
            tokio::task::yield_now().await;
        });
        task.await.unwrap();
        assert_eq!(*count.lock().unwrap(), 1);
    }

    /// `get` returns a copy and its guard is gone when it returns, so a
    /// `match` on it may await in an arm; a `match` on
    /// `map.lock().unwrap().get(..)` keeps the guard to the `match`'s end
    /// (the pitfalls crate's `compile-fail/std_mutex_guard_in_match.rs`).
    #[tokio::test]
    async fn a_match_on_get_may_await_in_an_arm() {
        let map = Arc::new(ShardedMap::<&str, String>::new(4));
        let shared = map.clone();
        let task = tokio::spawn(async move {
            match shared.get(&"a") {
                Some(cached) => cached,
                None => {
                    tokio::task::yield_now().await;
                    "loaded".to_owned()
                }
            }
        });
        assert_eq!(task.await.unwrap(), "loaded");
    }

    #[test]
    fn every_task_visits_each_page_as_often_as_listed() {
        let order = pages_to_visit();
        for (page, visits) in PAGES {
            let seen = order.iter().filter(|visited| **visited == page).count();
            assert_eq!(seen, visits as usize, "{page}");
        }
        assert_eq!(order[..5], ["/", "/shop", "/blog", "/about", "/cart"]);
    }
}
