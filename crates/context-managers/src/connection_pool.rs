//! A connection pool whose guard counts a checkout and holds its connection:
//! dropping the guard takes the count back, and gives back the connection
//! too if it is in a known state.
//!
//! The guide's `@asynccontextmanager` becomes a guard, `PooledConnection`,
//! whose `Drop` is the `finally`. Every `.await` is a point where the caller
//! may be cancelled, so the pool keeps its books in values: a checkout counts
//! from the moment the guard exists, and a connection whose query was abandoned
//! is closed, not given back. The guide's count goes one too high for good when
//! a caller is cancelled during its setup, and all its first workers print
//! "Connection-3"; here each connection has its own name and is reused. Workers
//! arrive 0.1 s apart, so no two timers tie. The guide's `Semaphore` becomes
//! the count and a `Notify`: Tokio's semaphore hands a freed permit to the
//! first waiter in line whether or not anything polls it again, so a waiter
//! left in a `select!` that stopped polling it would keep a connection for
//! ever. Here a guard dropped wakes every waiter, each looks again and the
//! first to look goes in; a waiter nobody polls takes nothing. Given up: the
//! queue order, as a caller that just arrived may go in first. A caller that
//! stops polling once it is in, while its connection opens, keeps its place, as
//! the holder of any guard does.
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
use tokio::sync::Notify;
use tokio::time::{sleep, timeout};
use tokio_util::task::AbortOnDropHandle;

#[derive(Debug, thiserror::Error)]
enum PoolError {
    #[error("the connection was closed: an earlier query on it never finished")]
    Lost,
}

#[derive(Clone)]
struct ConnectionPool {
    max_connections: usize,
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    state: Mutex<PoolState>,
    /// Told when a guard is dropped.
    released: Notify,
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
    shared: Arc<Shared>,
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
        Self {
            max_connections: max_connections.get(),
            shared: Arc::default(),
        }
    }

    async fn get_connection(&self) -> PooledConnection {
        let (mut guard, active) = loop {
            // Made before the look: `notify_waiters` reaches a `Notified`
            // from the moment it is made, so a guard dropped between the
            // look and the wait still wakes this caller.
            let released = self.shared.released.notified();
            {
                let mut state = lock(&self.shared.state);
                if state.active < self.max_connections {
                    // Counted and guarded in one step, with no `.await` in
                    // between: from here on, whatever happens to this
                    // future, the guard's `Drop` takes the count back.
                    state.active += 1;
                    let guard = PooledConnection {
                        connection: state.idle.pop(),
                        shared: self.shared.clone(),
                    };
                    break (guard, state.active);
                }
            }
            released.await;
        };
        println!("Acquired connection. Active: {active}");
        if guard.connection.is_none() {
            guard.connection = Some(self.open_connection().await);
        }
        guard
    }

    /// Opening a connection (handshake, authentication) is the slow part a
    /// pool saves. The pool names its connections in the order they open.
    async fn open_connection(&self) -> Connection {
        sleep(Duration::from_millis(500)).await;
        let mut state = lock(&self.shared.state);
        state.opened += 1;
        Connection {
            name: format!("Connection-{}", state.opened),
        }
    }

    fn status(&self) -> String {
        let state = lock(&self.shared.state);
        // The guide's semaphore has a permit free for each checkout not made.
        format!(
            "{} active, {} idle, {} opened so far, {} of {} permits free",
            state.active,
            state.idle.len(),
            state.opened,
            self.max_connections - state.active,
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
            let mut state = lock(&self.shared.state);
            state.active -= 1;
            let connection = self.connection.take();
            let returned = connection.is_some();
            // Last in, first out: the connection used most recently is the
            // one most likely to still be alive.
            state.idle.extend(connection);
            (state.active, returned)
        };
        // Every waiter looks again, so one that is never polled again
        // takes nothing from the others. Before the print, which panics if
        // stdout is closed: the waiters are woken all the same.
        self.shared.released.notify_waiters();
        if returned {
            println!("Released connection. Active: {active}");
        } else {
            println!("Released connection. Active: {active} (no connection to give back)");
        }
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
    let mut conn = pool.get_connection().await;
    // Declared after the guard, so dropped before it: the count goes down
    // before the connection goes back.
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
    assert_eq!(lock(&pool.shared.state).opened, pool.max_connections);
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

    let mut conn = pool.get_connection().await;
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

    let mut conn = pool.get_connection().await;
    println!("Worker W6 using {}", conn.name());
    conn.execute(Duration::from_millis(100)).await?;
    drop(conn);
    println!("Pool: {}", pool.status());
    let state = lock(&pool.shared.state);
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

    /// With one connection: a caller polled once while it is out, then
    /// neither polled nor dropped (a branch of a `select!` that stopped
    /// polling it), and the callers after it still get the connection when
    /// it comes back.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_takes_no_connection_from_the_others() {
        let pool = ConnectionPool::new(NonZeroUsize::MIN);
        let first = pool.get_connection().await;
        let mut held = pin!(pool.get_connection());
        assert!(poll!(held.as_mut()).is_pending(), "the pool is full");
        drop(first);
        for _ in 0..3 {
            let get = timeout(Duration::from_secs(1), pool.get_connection());
            let mut conn = get.await.expect("a connection was free");
            conn.execute(Duration::from_millis(100)).await.unwrap();
        }
        let state = lock(&pool.shared.state);
        assert_eq!(
            (state.active, state.opened),
            (0, 1),
            "one connection, reused"
        );
    }
}
