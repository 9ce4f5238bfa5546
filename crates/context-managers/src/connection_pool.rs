//! A connection pool whose guard counts a checkout and holds its connection:
//! dropping the guard takes the count back, and gives back the connection
//! too if it is in a known state.
//!
//! The guide's `@asynccontextmanager` becomes a guard, `PooledConnection`,
//! whose `Drop` is the `finally`, and which holds a permit of the guide's
//! `Semaphore`, now Tokio's (a fair queue's price: the book's page "Limiting
//! concurrency"). A checkout counts from the moment the guard exists, and a
//! connection whose query was abandoned is closed, not given back. The
//! guide's count stays one too high when a caller is cancelled during its
//! setup, and its first workers all print "Connection-3".
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Resource Management" (`ConnectionPool`)

use std::io::{self, Write as _};
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use anyhow::Context;
use futures::future::join_all;
use tokio::sync::{AcquireError, OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, sleep, sleep_until, timeout};
use tokio_util::task::AbortOnDropHandle;

#[derive(Debug, thiserror::Error)]
enum PoolError {
    #[error("the connection was closed: an earlier query on it never finished")]
    Lost,
    #[error("the pool is closed")]
    Closed(#[from] AcquireError),
}

#[derive(Clone)]
struct ConnectionPool {
    max_connections: usize,
    permits: Arc<Semaphore>,
    state: Arc<Mutex<PoolState>>,
}

#[derive(Default)]
struct PoolState {
    idle: Vec<Connection>,
    /// Guards alive: connections checked out, or being opened for a caller.
    active: usize,
    /// Connections opened so far, which also names them.
    opened: usize,
}

struct Connection {
    name: String,
}

impl Connection {
    async fn execute(&mut self, query_time: Duration) {
        sleep(query_time).await;
    }
}

/// A checked-out connection. Dropping it takes the count back, and returns the
/// connection if its last query finished.
struct PooledConnection {
    /// `None` while the connection is being opened or a query has it, and
    /// after a query that never finished.
    connection: Option<Connection>,
    state: Arc<Mutex<PoolState>>,
    /// Released after `drop` below has run: the next caller finds the
    /// count down and the connection idle.
    _permit: OwnedSemaphorePermit,
}

/// The state is only locked for a few lines and never across an `.await`, so
/// a plain `std` mutex fits. No code that holds it can panic halfway through
/// an update, so a poisoned lock is safe to keep using.
fn lock(state: &Mutex<PoolState>) -> MutexGuard<'_, PoolState> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

impl ConnectionPool {
    /// A pool of zero connections would make every caller wait for ever, so
    /// the type rules it out.
    fn new(max_connections: NonZeroUsize) -> Self {
        // A Tokio semaphore holds at most `MAX_PERMITS` (2^61 - 1 on 64
        // bits) and panics past it; so many connections are no limit.
        let max_connections = max_connections.get().min(Semaphore::MAX_PERMITS);
        Self {
            max_connections,
            permits: Arc::new(Semaphore::new(max_connections)),
            state: Arc::default(),
        }
    }

    async fn get_connection(&self) -> Result<PooledConnection, PoolError> {
        let permit = Arc::clone(&self.permits).acquire_owned().await?;
        let (mut guard, active) = {
            let mut state = lock(&self.state);
            // Counted and guarded in one step, with no `.await` in between:
            // from here on, whatever happens to this future, the guard's
            // `Drop` takes the count back.
            state.active += 1;
            let guard = PooledConnection {
                connection: state.idle.pop(),
                state: Arc::clone(&self.state),
                _permit: permit,
            };
            (guard, state.active)
        };
        println!("Acquired connection. Active: {active}");
        if guard.connection.is_none() {
            guard.connection = Some(self.open_connection().await);
        }
        Ok(guard)
    }

    /// Opening a connection (handshake, authentication) is the slow part a
    /// pool saves. The pool names its connections in the order they open.
    async fn open_connection(&self) -> Connection {
        sleep(OPEN_TIME).await;
        let mut state = lock(&self.state);
        state.opened += 1;
        Connection {
            name: format!("Connection-{}", state.opened),
        }
    }

    fn status(&self) -> String {
        let state = lock(&self.state);
        format!(
            "{} active, {} idle, {} opened so far, {} of {} permits free",
            state.active,
            state.idle.len(),
            state.opened,
            self.permits.available_permits(),
            self.max_connections
        )
    }
}

impl PooledConnection {
    fn name(&self) -> &str {
        self.connection
            .as_ref()
            .map_or("no connection", |c| &c.name)
    }

    /// Runs a query. The connection is taken out of the guard while it runs:
    /// if this future is dropped halfway, the connection goes with it.
    async fn execute(&mut self, query_time: Duration) -> Result<(), PoolError> {
        let mut connection = self.connection.take().ok_or(PoolError::Lost)?;
        connection.execute(query_time).await;
        self.connection = Some(connection);
        Ok(())
    }
}

impl Drop for PooledConnection {
    fn drop(&mut self) {
        let (active, returned) = {
            let mut state = lock(&self.state);
            state.active -= 1;
            let connection = self.connection.take();
            let returned = connection.is_some();
            // Last in, first out: the connection used most recently is the
            // one most likely to still be alive.
            state.idle.extend(connection);
            (state.active, returned)
        };
        // Not `println!`, which panics when a write to stdout fails (a full
        // disk, a reader gone): a panic in a `drop` that runs while another
        // unwinds aborts the process.
        let note = if returned {
            ""
        } else {
            " (no connection to give back)"
        };
        let _ = writeln!(io::stdout(), "Released connection. Active: {active}{note}");
    }
}

const POOL_SIZE: NonZeroUsize = NonZeroUsize::new(3).expect("room for at least one connection");

// The times. The guide's workers arrive together; here the first three
// arrive `ARRIVAL_GAP` apart, so that no two connections open at one instant
// (Tokio gives no order to timers due together), and W3 and W4 come with W2,
// to queue behind it. Whatever prints is then at least half a second from
// anything else that prints: the three opens end at 1.5, 2.0 and 2.5 s, the
// first query at 3.0 s. A timer run late by a busy machine, by less than
// that, changes no line; arrivals set from the start, not each from the
// last, are late by one delay, never by the sum of two.
const OPEN_TIME: Duration = Duration::from_millis(1500);
const QUERY_TIME: Duration = Duration::from_millis(1500);
const ARRIVAL_GAP: Duration = Duration::from_millis(500);

async fn worker(
    pool: ConnectionPool,
    name: String,
    in_use: Arc<InUse>,
) -> Result<String, PoolError> {
    let mut conn = pool.get_connection().await?;
    // Declared after the guard, so dropped before it: the count goes down
    // before the connection goes back.
    let _held = in_use.enter();
    println!("Worker {name} using {}", conn.name());
    conn.execute(QUERY_TIME).await?;
    Ok(format!("Result from {name}"))
}

pub async fn run() -> anyhow::Result<()> {
    let pool = ConnectionPool::new(POOL_SIZE);
    let in_use = Arc::new(InUse::default());
    let start = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..5 {
        if matches!(i, 1 | 2) {
            sleep_until(start + ARRIVAL_GAP * i).await;
        }
        // Dropped with `run`, if it is cancelled, the handle aborts the
        // worker: a plain `JoinHandle` would leave it running, detached.
        tasks.push(AbortOnDropHandle::new(tokio::spawn(worker(
            pool.clone(),
            format!("W{i}"),
            in_use.clone(),
        ))));
    }
    // In the order they were spawned, as `gather` returns them.
    for result in join_all(tasks).await {
        println!("{}", result.context("a worker panicked")??);
    }
    println!("Pool: {}", pool.status());
    assert_eq!(lock(&pool.state).opened, pool.max_connections);
    let peak = in_use.peak.load(Ordering::SeqCst);
    assert!(
        peak <= pool.max_connections,
        "{peak} connections held at once"
    );

    println!();
    let pool = ConnectionPool::new(NonZeroUsize::MIN);
    let patience = Duration::from_millis(200);
    // Cancelled while its connection is being opened: the guard takes the
    // count back, and no half-open connection reaches the idle list.
    if timeout(patience, pool.get_connection()).await.is_err() {
        println!("get_connection timed out: {}", pool.status());
    }

    let mut conn = pool.get_connection().await?;
    println!("Worker W5 using {}", conn.name());
    // Cancelled in the middle of a query: that connection is closed.
    if timeout(patience, conn.execute(Duration::from_secs(1)))
        .await
        .is_err()
    {
        println!("Query timed out");
    }
    if let Err(error) = conn.execute(Duration::from_millis(100)).await {
        println!("Next query on the same guard: {error}");
    }
    drop(conn);
    println!("Pool: {}", pool.status());

    let mut conn = pool.get_connection().await?;
    println!("Worker W6 using {}", conn.name());
    conn.execute(Duration::from_millis(100)).await?;
    drop(conn);
    println!("Pool: {}", pool.status());
    let state = lock(&pool.state);
    assert_eq!((state.active, state.opened), (0, 2));
    Ok(())
}

// What only proves the limit: how many connections are held at once.

/// How many connections are held now, and the most there ever were.
#[derive(Default)]
struct InUse {
    now: AtomicUsize,
    peak: AtomicUsize,
}

impl InUse {
    /// Counts a connection in until the returned guard is dropped, so a
    /// holder that is cancelled or panics is counted out too.
    fn enter(self: &Arc<Self>) -> Held {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        Held(self.clone())
    }
}

struct Held(Arc<InUse>);

impl Drop for Held {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use std::future::{Future, poll_fn};
    use std::pin::pin;

    use futures::poll;

    use super::*;

    /// A pool of one connection, already opened.
    async fn pool_of_one() -> ConnectionPool {
        let pool = ConnectionPool::new(NonZeroUsize::MIN);
        drop(pool.get_connection().await.unwrap());
        pool
    }

    /// With one connection: a `get_connection` polled once, then kept but
    /// no longer polled (a `select!` over `&mut` it whose other branch won),
    /// is handed the connection when it comes back, and every caller behind
    /// it waits until it is dropped. Both fixes at the call site work: a
    /// `select!` that owns its call drops it when the other branch wins, and
    /// a spawned call is polled by the runtime.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_stalls_the_others_until_dropped_or_spawned() {
        let pool = pool_of_one().await;
        let patience = Duration::from_secs(1);
        let first = pool.get_connection().await.unwrap();
        let mut held = Box::pin(pool.get_connection());
        tokio::select! {
            _ = &mut held => unreachable!("the pool is full"),
            () = sleep(Duration::from_millis(10)) => {}
        }
        drop(first);
        let stalled = timeout(patience, pool.get_connection()).await;
        assert!(stalled.is_err(), "the connection went to the held caller");
        drop(held);
        timeout(patience, pool.get_connection())
            .await
            .unwrap()
            .unwrap();

        // Fix 1: `select!` owns the call, and drops it when the timer wins.
        let first = pool.get_connection().await.unwrap();
        tokio::select! {
            _ = pool.get_connection() => unreachable!("the pool is full"),
            () = sleep(Duration::from_millis(10)) => {}
        }
        drop(first);
        timeout(patience, pool.get_connection())
            .await
            .unwrap()
            .unwrap();

        // Fix 2: a spawned call takes its turn, and gives the connection back.
        let first = pool.get_connection().await.unwrap();
        let spawned = AbortOnDropHandle::new(tokio::spawn({
            let pool = pool.clone();
            async move { drop(pool.get_connection().await) }
        }));
        sleep(Duration::from_millis(10)).await;
        drop(first);
        timeout(patience, pool.get_connection())
            .await
            .unwrap()
            .unwrap();
        spawned.await.unwrap();
        let state = lock(&pool.state);
        assert_eq!(
            (state.active, state.opened),
            (0, 1),
            "one connection, reused"
        );
    }

    /// A task that takes the connection in a loop, and one other caller:
    /// each of its five calls is served within half a second.
    #[tokio::test(start_paused = true)]
    async fn a_looping_holder_does_not_starve_a_waiter() {
        let pool = pool_of_one().await;
        let _holder = AbortOnDropHandle::new(tokio::spawn({
            let pool = pool.clone();
            async move {
                loop {
                    let conn = pool.get_connection().await.unwrap();
                    sleep(Duration::from_millis(10)).await;
                    drop(conn);
                }
            }
        }));
        tokio::task::yield_now().await;
        let mut timed_out = 0;
        for _ in 0..5 {
            match timeout(Duration::from_millis(500), pool.get_connection()).await {
                Ok(conn) => drop(conn.unwrap()),
                Err(_) => timed_out += 1,
            }
        }
        assert_eq!(timed_out, 0, "{timed_out} of 5 calls starved");
    }

    /// Five callers queue in turn for the connection of a pool of one, then
    /// it comes back and a sixth arrives: the order they got it in.
    async fn order_served(pool: &ConnectionPool) -> Vec<usize> {
        let first = pool.get_connection().await.unwrap();
        let order = Arc::new(Mutex::new(Vec::new()));
        let caller = |id: usize| {
            let (pool, order) = (pool.clone(), Arc::clone(&order));
            async move {
                let conn = pool.get_connection().await.unwrap();
                order.lock().unwrap().push(id);
                tokio::task::yield_now().await;
                drop(conn);
            }
        };
        let mut callers = Vec::new();
        for id in 0..5 {
            // Polled once here, so that it is in line before the next.
            let mut queued = Box::pin(caller(id));
            assert!(poll!(queued.as_mut()).is_pending());
            callers.push(AbortOnDropHandle::new(tokio::spawn(queued)));
        }
        drop(first);
        callers.push(AbortOnDropHandle::new(tokio::spawn(caller(5))));
        for caller in callers {
            caller.await.unwrap();
        }
        Arc::try_unwrap(order).unwrap().into_inner().unwrap()
    }

    async fn runs_served_in_order() -> usize {
        let pool = pool_of_one().await;
        let mut in_order = 0;
        for _ in 0..40 {
            in_order += usize::from(order_served(&pool).await == [0, 1, 2, 3, 4, 5]);
        }
        in_order
    }

    #[tokio::test(start_paused = true)]
    async fn the_longest_waiter_gets_the_next_connection_fifo() {
        assert_eq!(runs_served_in_order().await, 40);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_longest_waiter_gets_the_next_connection_fifo_on_the_multi_thread_runtime() {
        assert_eq!(runs_served_in_order().await, 40);
    }

    /// Polls `future`, counting each poll in `polls`.
    async fn counting_polls<F: Future>(polls: Arc<AtomicUsize>, future: F) -> F::Output {
        let mut future = pin!(future);
        poll_fn(|cx| {
            polls.fetch_add(1, Ordering::Relaxed);
            future.as_mut().poll(cx)
        })
        .await
    }

    /// `callers` wait for the one connection, each holding it across a
    /// yield once it has it: the polls of their calls, per caller served.
    async fn polls_per_hand_off(callers: usize) -> f64 {
        let pool = pool_of_one().await;
        let first = pool.get_connection().await.unwrap();
        let polls = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..callers)
            .map(|_| {
                let (pool, polls) = (pool.clone(), Arc::clone(&polls));
                AbortOnDropHandle::new(tokio::spawn(async move {
                    let conn = counting_polls(polls, pool.get_connection()).await;
                    tokio::task::yield_now().await;
                    drop(conn);
                }))
            })
            .collect();
        while polls.load(Ordering::Relaxed) < callers {
            tokio::task::yield_now().await;
        }
        drop(first);
        for task in tasks {
            task.await.unwrap();
        }
        polls.load(Ordering::Relaxed) as f64 / callers as f64
    }

    #[tokio::test(start_paused = true)]
    async fn polls_per_hand_off_stay_bounded_as_waiters_grow() {
        let mut per_hand_off = Vec::new();
        for callers in [10, 100, 1000] {
            per_hand_off.push(polls_per_hand_off(callers).await);
        }
        assert!(
            per_hand_off.iter().all(|&polls| polls <= 3.0),
            "{per_hand_off:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_largest_size_is_no_panic() {
        let pool = ConnectionPool::new(NonZeroUsize::MAX);
        drop(pool.get_connection().await.unwrap());
    }
}
