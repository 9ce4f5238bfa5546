//! A connection pool whose guard holds an owned semaphore permit and a
//! connection, and gives both back when dropped.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Resource Management" (`ConnectionPool`)
//!
//! The guide's `get_connection` is an `@asynccontextmanager` around a
//! semaphore. In Rust, `get_connection` returns a guard instead: it holds an
//! `OwnedSemaphorePermit` (the right to a connection) and the connection
//! itself, and its `Drop` puts the connection back on the idle list and then
//! releases the permit. The guard can be held across `.await`s and moved
//! into tasks, and nothing can return a connection twice or forget to.
//!
//! Two changes from the guide. Its connections are only names, made from the
//! shared `active_connections` counter after the setup sleep, by which time
//! the other workers have bumped it too: all three first workers print
//! "using Connection-3". Here each connection is a value with its own name,
//! opened once and then reused, which is what a pool is for; the last two
//! workers get connections back from the idle list and skip the setup.
//! And the guide's cleanup awaits a short sleep before releasing; returning a
//! connection to a pool is bookkeeping, synchronous in `Drop`. (Production
//! pools, such as `deadpool` and `bb8`, return connections the same way.)

use std::error::Error;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use futures::future::join_all;
use tokio::sync::{AcquireError, OwnedSemaphorePermit, Semaphore};
use tokio::time::sleep;

#[derive(Clone)]
struct ConnectionPool {
    max_connections: usize,
    permits: Arc<Semaphore>,
    state: Arc<Mutex<PoolState>>,
}

#[derive(Default)]
struct PoolState {
    idle: Vec<Connection>,
    active: usize,
    opened: usize,
}

#[derive(Default)]
struct Connection {
    name: String,
}

/// A checked-out connection. Dropping it returns the connection to the pool.
struct PooledConnection {
    connection: Connection,
    state: Arc<Mutex<PoolState>>,
    _permit: OwnedSemaphorePermit,
}

/// The state is only locked for a few lines and never across an `.await`, so
/// a plain `std` mutex fits. A panic while holding it can't leave the state
/// half-updated, so a poisoned lock is safe to keep using.
fn lock(state: &Mutex<PoolState>) -> MutexGuard<'_, PoolState> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

impl ConnectionPool {
    fn new(max_connections: usize) -> Self {
        Self {
            max_connections,
            permits: Arc::new(Semaphore::new(max_connections)),
            state: Arc::default(),
        }
    }

    async fn get_connection(&self) -> Result<PooledConnection, AcquireError> {
        let permit = self.permits.clone().acquire_owned().await?;
        let (reused, opened) = {
            let mut state = lock(&self.state);
            state.active += 1;
            assert!(state.active <= self.max_connections);
            println!("Acquired connection. Active: {}", state.active);
            let reused = state.idle.pop();
            if reused.is_none() {
                state.opened += 1;
            }
            (reused, state.opened)
        };
        let connection = match reused {
            Some(connection) => connection,
            None => {
                // Opening a connection is the slow part a pool saves.
                sleep(Duration::from_millis(100)).await;
                Connection {
                    name: format!("Connection-{opened}"),
                }
            }
        };
        Ok(PooledConnection {
            connection,
            state: self.state.clone(),
            _permit: permit,
        })
    }

    fn opened(&self) -> usize {
        lock(&self.state).opened
    }
}

impl Drop for PooledConnection {
    fn drop(&mut self) {
        // Moves the connection out, leaving an empty one in the dying guard.
        let connection = std::mem::take(&mut self.connection);
        let mut state = lock(&self.state);
        // Last in, first out: the connection used most recently is the one
        // most likely to still be alive.
        state.idle.push(connection);
        state.active -= 1;
        println!("Released connection. Active: {}", state.active);
        // `_permit` is dropped after this, letting the next waiter in.
    }
}

async fn worker(pool: ConnectionPool, name: String) -> Result<String, AcquireError> {
    let conn = pool.get_connection().await?;
    println!("Worker {name} using {}", conn.connection.name);
    sleep(Duration::from_secs(1)).await;
    Ok(format!("Result from {name}"))
}

pub async fn run() -> Result<(), Box<dyn Error>> {
    let pool = ConnectionPool::new(3);

    let tasks = (0..5).map(|i| tokio::spawn(worker(pool.clone(), format!("W{i}"))));
    for result in join_all(tasks).await {
        println!("{}", result??);
    }

    println!(
        "Opened {} connections for 5 workers, {} free",
        pool.opened(),
        pool.permits.available_permits()
    );
    assert_eq!(pool.opened(), pool.max_connections);
    Ok(())
}
