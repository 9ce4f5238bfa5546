//! A connection pool whose guard holds an owned semaphore permit and a
//! connection: dropping the guard gives back the permit, and the connection
//! too if it is in a known state.
//!
//! The guide's `@asynccontextmanager` becomes a guard, `PooledConnection`,
//! whose `Drop` is the `finally`. Every `.await` is a point where the caller
//! may be cancelled, so the pool keeps its books in values: a checkout counts
//! from the moment the guard exists, and a connection whose query was
//! abandoned is closed, not given back. The guide's count goes one too high
//! for good when a caller is cancelled during its setup, and all its first
//! workers print "Connection-3"; here each connection has its own name and is
//! reused. Workers arrive 0.1 s apart, so no two timers tie.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Resource Management" (`ConnectionPool`)

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use anyhow::Context;
use futures::future::join_all;
use tokio::sync::{AcquireError, OwnedSemaphorePermit, Semaphore};
use tokio::time::{sleep, timeout};
use tokio_util::task::AbortOnDropHandle;

#[derive(Debug, thiserror::Error)]
enum PoolError {
    #[error("the pool is closed")]
    Closed(#[from] AcquireError),
    #[error("the connection was closed: an earlier query on it never finished")]
    Lost,
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

/// A checked-out connection. Dropping it returns the permit, and the
/// connection if its last query finished.
struct PooledConnection {
    /// `None` while the connection is being opened or a query has it, and
    /// after a query that never finished.
    connection: Option<Connection>,
    state: Arc<Mutex<PoolState>>,
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
    /// the type rules it out; more than `Semaphore::MAX_PERMITS` panics.
    fn new(max_connections: NonZeroUsize) -> Self {
        let max_connections = max_connections.get();
        Self {
            max_connections,
            permits: Arc::new(Semaphore::new(max_connections)),
            state: Arc::default(),
        }
    }

    async fn get_connection(&self) -> Result<PooledConnection, PoolError> {
        let permit = self.permits.clone().acquire_owned().await?;
        // Counted and guarded in one step, with no `.await` in between: from
        // here on, whatever happens to this future, the guard's `Drop` takes
        // the count back.
        let (mut guard, active) = {
            let mut state = lock(&self.state);
            state.active += 1;
            let guard = PooledConnection {
                connection: state.idle.pop(),
                state: self.state.clone(),
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
        sleep(Duration::from_millis(500)).await;
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
        if returned {
            println!("Released connection. Active: {active}");
        } else {
            println!("Released connection. Active: {active} (no connection to give back)");
        }
        // `_permit` is dropped after this, letting the next waiter in.
    }
}

const POOL_SIZE: NonZeroUsize = NonZeroUsize::new(3).expect("room for at least one connection");

async fn worker(
    pool: ConnectionPool,
    name: String,
    arrival: Duration,
    in_use: Arc<InUse>,
) -> Result<String, PoolError> {
    sleep(arrival).await;
    let mut conn = pool.get_connection().await?;
    // Declared after the guard, so dropped before it: the count goes down
    // before the permit goes back.
    let _held = in_use.enter();
    println!("Worker {name} using {}", conn.name());
    conn.execute(Duration::from_secs(1)).await?;
    Ok(format!("Result from {name}"))
}

pub async fn run() -> anyhow::Result<()> {
    let pool = ConnectionPool::new(POOL_SIZE);
    let in_use = Arc::new(InUse::default());
    let tasks = (0..5).map(|i| {
        let arrival = Duration::from_millis(100) * i;
        // Dropped with `run`, if it is cancelled, the handle aborts the
        // worker: a plain `JoinHandle` would leave it running, detached.
        AbortOnDropHandle::new(tokio::spawn(worker(
            pool.clone(),
            format!("W{i}"),
            arrival,
            in_use.clone(),
        )))
    });
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
    use std::pin::pin;

    use futures::poll;

    use super::*;

    /// A caller polled once and then neither polled nor dropped (a branch
    /// of a `select!` that stopped polling it) keeps the one connection it
    /// was opening; the other callers share the rest.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_keeps_one_connection_and_holds_up_no_one() {
        let pool = ConnectionPool::new(NonZeroUsize::new(2).unwrap());
        let mut held = pin!(pool.get_connection());
        assert!(poll!(held.as_mut()).is_pending(), "opening its connection");
        for _ in 0..3 {
            let get = timeout(Duration::from_secs(1), pool.get_connection());
            let mut conn = get.await.expect("a connection was free").unwrap();
            conn.execute(Duration::from_millis(100)).await.unwrap();
        }
        assert_eq!(
            lock(&pool.state).active,
            1,
            "the held caller's is still out"
        );
    }
}
