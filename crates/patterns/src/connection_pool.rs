//! A pool of real SQLite connections: at most N open, reused between
//! callers, returned on drop, with a timeout for getting one, and closed
//! instead of returned when a call on it was cancelled or panicked.
//!
//! A count under a `std` mutex bounds the connections open; idle ones are
//! reused; the guard, `PooledConnection`, puts its connection back when dropped
//! and wakes every caller waiting (a `Notify`): each looks again, and the first
//! to look takes it. A Tokio `Semaphore` would hand it to the first caller in
//! line even if nothing polls that caller again (a `select!` that stopped
//! polling it), and with the timeout inside that caller's future, every other
//! caller would time out for ever; here a caller nobody polls takes nothing.
//! Given up: the queue order, as a caller that just arrived may take a
//! connection before one that waited. A caller that stops polling once it has
//! room, while its connection opens, keeps that room, as the holder of any
//! guard does. A connection goes back only when its operation finished, and
//! never inside a transaction: `run` rolls back, on the blocking thread, what a
//! query left open. One abandoned mid-query is closed where its call ends, and
//! its count goes with it, so at most `max_size` are ever open. See the book's
//! page "Cleanup and resources". `deadpool-sqlite` (0.9) keeps neither rule: a
//! cancelled caller's query runs on after its connection is back in the pool,
//! and its `recycle` runs a `SELECT` but rolls nothing back, so a transaction
//! left open reaches the next caller.
//!
//! Translates:
//! - *Python Async/Await*, "Exercises" (exercise 2: "Implement an async
//!   connection pool for database operations")

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use futures::FutureExt;
use futures::future::{join_all, try_join_all};
use rusqlite::Connection;
use tempfile::TempDir;
use tokio::sync::Notify;
use tokio::task::JoinError;
use tokio::time::{Instant, sleep, timeout};

#[derive(Debug, thiserror::Error)]
enum PoolError {
    #[error("no connection became free within {0:?}")]
    Timeout(Duration),
    #[error(
        "the connection was lost: a previous call on it panicked, was cancelled or could not roll back"
    )]
    Lost,
    #[error("the call left a transaction open; it was rolled back")]
    OpenTransaction,
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database thread failed: {0}")]
    Thread(#[from] JoinError),
}

struct SqlitePool {
    path: PathBuf,
    max_size: usize,
    acquire_timeout: Duration,
    shared: Arc<Shared>,
    /// Only for the demonstration's check.
    stats: PoolStats,
    /// Removed once the pool and every lease are gone; last, so the idle
    /// connections above are closed first.
    dir: Arc<TempDir>,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    /// Told when a connection comes back or is closed.
    returned: Notify,
}

#[derive(Default)]
struct State {
    idle: Vec<Connection>,
    /// Leases out: connections checked out, being opened, or being closed.
    /// With the idle ones, never more than `max_size`.
    leased: usize,
}

impl Shared {
    /// Each change is a push, a pop or a count, which cannot panic halfway,
    /// so the state is whole even if another holder panicked.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A checked-out connection; dropping it returns the connection to the pool.
struct PooledConnection {
    /// `None` only while a call is running on the blocking thread, or after
    /// one failed to bring the connection back.
    connection: Option<Connection>,
    /// Travels with the connection, to the blocking thread and back.
    lease: Option<Lease>,
}

/// What counts a connection against the pool's size, and a share of its
/// directory. A connection still open on the blocking thread after its
/// caller was cancelled keeps both until it is closed, so at most
/// `max_size` are ever open, and none outlives its file's directory.
struct Lease {
    shared: Arc<Shared>,
    _dir: Arc<TempDir>,
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.shared.state().leased -= 1;
        // Every waiter looks again, so one that is never polled again
        // takes nothing from the others.
        self.shared.returned.notify_waiters();
    }
}

impl SqlitePool {
    /// Not zero: a pool of no connections would time out every caller.
    /// A pool for the database `file_name` in `dir`, which it now owns.
    fn new(
        dir: TempDir,
        file_name: &str,
        max_size: NonZeroUsize,
        acquire_timeout: Duration,
    ) -> Self {
        Self {
            path: dir.path().join(file_name),
            dir: Arc::new(dir),
            max_size: max_size.get(),
            acquire_timeout,
            shared: Arc::default(),
            stats: PoolStats::default(),
        }
    }

    fn idle_count(&self) -> usize {
        self.shared.state().idle.len()
    }

    async fn get(&self) -> Result<PooledConnection, PoolError> {
        let (reused, lease) = timeout(self.acquire_timeout, self.wait_for_room())
            .await
            .map_err(|_| PoolError::Timeout(self.acquire_timeout))?;
        let (connection, lease) = match reused {
            Some(connection) => (connection, lease),
            None => {
                let path = self.path.clone();
                // The lease goes along: a caller cancelled during the open
                // leaves the connection to be closed there, still counted.
                let (connection, lease) =
                    tokio::task::spawn_blocking(move || (Connection::open(path), lease)).await?;
                self.stats.opened_one();
                (connection?, lease)
            }
        };
        Ok(PooledConnection {
            connection: Some(connection),
            lease: Some(lease),
        })
    }

    /// An idle connection and its lease, or a lease to open one.
    async fn wait_for_room(&self) -> (Option<Connection>, Lease) {
        loop {
            // Made before the look: `notify_waiters` reaches a `Notified`
            // from the moment it is made, so a connection returned between
            // the look and the wait still wakes this caller.
            let returned = self.shared.returned.notified();
            {
                let mut state = self.shared.state();
                let reused = state.idle.pop();
                if reused.is_some() || state.idle.len() + state.leased < self.max_size {
                    state.leased += 1;
                    self.stats.checked_out(state.leased);
                    let lease = Lease {
                        shared: Arc::clone(&self.shared),
                        _dir: Arc::clone(&self.dir),
                    };
                    return (reused, lease);
                }
            }
            returned.await;
        }
    }
}

impl PooledConnection {
    /// Runs `query` on the connection, on Tokio's blocking thread pool.
    async fn run<T, F>(&mut self, query: F) -> Result<T, PoolError>
    where
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let mut connection = self.connection.take().ok_or(PoolError::Lost)?;
        let lease = self.lease.take();
        let (connection, lease, result) = tokio::task::spawn_blocking(move || {
            let result = query(&mut connection).map_err(PoolError::from);
            // A transaction lives within one call. SQLite keeps one open
            // after a statement inside it fails, so a query that returned
            // early, or never committed, would hand the next caller a
            // connection mid-transaction, still holding its locks. Rolled
            // back here, on this thread; one that won't roll back is closed
            // here too, its lease with it.
            if connection.is_autocommit() {
                return (Some(connection), lease, result);
            }
            match connection.execute_batch("ROLLBACK") {
                Ok(()) => {
                    let result = result.and(Err(PoolError::OpenTransaction));
                    (Some(connection), lease, result)
                }
                Err(error) => {
                    drop(connection);
                    drop(lease);
                    (None, None, result.and(Err(error.into())))
                }
            }
        })
        .await?;
        self.connection = connection;
        self.lease = lease;
        result
    }
}

impl Drop for PooledConnection {
    fn drop(&mut self) {
        if let (Some(connection), Some(lease)) = (self.connection.take(), &self.lease) {
            lease.shared.state().idle.push(connection);
        }
        // `lease` is released after this, once the connection is back.
    }
}

async fn add_user(pool: &SqlitePool, name: String) -> Result<(), PoolError> {
    let mut conn = pool.get().await?;
    conn.run(move |db| db.execute("INSERT INTO users (name) VALUES (?1)", [&name]))
        .await?;
    // Some async work while holding the connection, as a request handler would.
    sleep(Duration::from_millis(100)).await;
    Ok(())
}

/// Checked when the program compiles: a zero would not build.
const POOL_SIZE: NonZeroUsize = NonZeroUsize::new(3).expect("a pool of at least one connection");
const ACQUIRE_TIMEOUT: Duration = Duration::from_millis(500);

pub async fn run() -> anyhow::Result<()> {
    let dir = tempfile::tempdir().context("cannot create a temporary directory")?;
    let pool = SqlitePool::new(dir, "app.db", POOL_SIZE, ACQUIRE_TIMEOUT);

    pool.get()
        .await?
        .run(|db| {
            db.execute_batch(
                "PRAGMA journal_mode = WAL;
                 CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);",
            )
        })
        .await?;

    let names = [
        "ada", "grace", "edsger", "barbara", "donald", "leslie", "tony", "niklaus",
    ];
    let inserts = names.map(|name| add_user(&pool, name.to_owned()));
    for result in join_all(inserts).await {
        result?;
    }

    let mut conn = pool.get().await?;
    let users = conn
        .run(|db| {
            let mut statement = db.prepare("SELECT name FROM users ORDER BY name")?;
            let names = statement.query_map([], |row| row.get::<_, String>(0))?;
            names.collect::<rusqlite::Result<Vec<_>>>()
        })
        .await?;
    println!("{} users: {}", users.len(), users.join(", "));
    drop(conn);

    let opened = pool.stats.opened();
    let peak = pool.stats.peak_in_use();
    println!(
        "{} queries used {opened} connections, at most {peak} at once",
        names.len() + 2
    );
    ensure!(
        opened <= POOL_SIZE.get() && peak <= POOL_SIZE.get(),
        "the pool went over its size"
    );

    println!();
    let held = join_all((0..3).map(|_| pool.get())).await;
    let start = Instant::now();
    let Err(error) = pool.get().await else {
        bail!("a pool of three handed out a fourth connection");
    };
    println!(
        "[{:.1}s] With all three checked out: {error}",
        start.elapsed().as_secs_f64()
    );
    drop(held);
    pool.get().await?;
    println!("After they were returned, a connection was free again");

    println!();
    // A batch that fails halfway through its transaction: the second insert
    // breaks the UNIQUE constraint, and SQLite leaves the transaction open
    // with the first insert in it. Then one that never commits.
    let mut conn = pool.get().await?;
    let failed = conn
        .run(|db| {
            db.execute_batch(
                "BEGIN;
                 INSERT INTO users (name) VALUES ('zed');
                 INSERT INTO users (name) VALUES ('ada');
                 COMMIT;",
            )
        })
        .await;
    let Err(error) = failed else {
        bail!("a duplicate name was accepted");
    };
    println!("A transaction failed halfway: {error}");
    let uncommitted = conn
        .run(|db| db.execute_batch("BEGIN; INSERT INTO users (name) VALUES ('zed');"))
        .await;
    let Err(error) = uncommitted else {
        bail!("a call left a transaction open and the pool kept it");
    };
    println!("A transaction never committed: {error}");
    let (count, in_transaction) = conn
        .run(|db| {
            let count =
                db.query_row("SELECT count(*) FROM users", [], |row| row.get::<_, i64>(0))?;
            Ok((count, !db.is_autocommit()))
        })
        .await?;
    println!("Both rolled back: {count} users, and a transaction open: {in_transaction}");
    ensure!(
        count == 8 && !in_transaction,
        "a connection came back in an unknown state"
    );
    drop(conn);

    println!();
    let mut conn = pool.get().await?;
    // The query waits for `finish`, so it is certainly still running on the
    // blocking thread when its caller gives up: polled once and dropped, as a
    // timeout or a `select!` would drop it.
    let (finish, finished) = std::sync::mpsc::channel::<()>();
    let query = conn.run(move |db| {
        let _ = finished.recv();
        db.query_row("SELECT count(*) FROM users", [], |row| row.get::<_, i64>(0))
    });
    ensure!(query.now_or_never().is_none(), "the query was not running");
    // Lets the abandoned query end; its connection is closed on its thread.
    let _ = finish.send(());
    println!("A caller gave up mid-query; its connection will not come back");
    match conn.run(|db| db.execute_batch("SELECT 1")).await {
        Err(error) => println!("The next call through the same guard: {error}"),
        Ok(()) => bail!("a connection in an unknown state was used again"),
    }
    drop(conn);
    println!("Idle connections: {}", pool.idle_count());

    let opened_before = pool.stats.opened();
    let all_three = try_join_all((0..3).map(|_| pool.get())).await?;
    let fresh = pool.stats.opened() - opened_before;
    println!(
        "Three callers at once: two idle connections reused, {fresh} opened to replace the lost one"
    );
    ensure!(fresh == 1, "the pool opened {fresh} connections, not 1");
    drop(all_three);
    Ok(())
}

// What only proves the pool's limits: how many connections it opened, and
// the most it had checked out at once.

#[derive(Default)]
struct PoolStats {
    opened: AtomicUsize,
    peak_in_use: AtomicUsize,
}

impl PoolStats {
    fn opened_one(&self) {
        self.opened.fetch_add(1, Ordering::SeqCst);
    }

    fn checked_out(&self, in_use: usize) {
        self.peak_in_use.fetch_max(in_use, Ordering::SeqCst);
    }

    fn opened(&self) -> usize {
        self.opened.load(Ordering::SeqCst)
    }

    fn peak_in_use(&self) -> usize {
        self.peak_in_use.load(Ordering::SeqCst)
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
    /// it comes back, each within its timeout.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_takes_no_connection_from_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let pool = SqlitePool::new(dir, "app.db", NonZeroUsize::MIN, ACQUIRE_TIMEOUT);
        let first = pool.get().await.unwrap();
        let mut held = pin!(pool.get());
        assert!(poll!(held.as_mut()).is_pending(), "the pool is full");
        drop(first);
        for _ in 0..3 {
            let mut conn = pool.get().await.expect("a connection within the timeout");
            conn.run(|db| db.execute_batch("SELECT 1")).await.unwrap();
        }
    }

    #[tokio::test]
    async fn the_largest_size_is_no_panic() {
        let dir = tempfile::tempdir().unwrap();
        let pool = SqlitePool::new(dir, "app.db", NonZeroUsize::MAX, ACQUIRE_TIMEOUT);
        let mut conn = pool.get().await.unwrap();
        conn.run(|db| db.execute_batch("SELECT 1")).await.unwrap();
    }
}
