//! A pool of real SQLite connections to a database file, shared by
//! concurrent workers, and transactions that commit whole or roll back
//! whole.
//!
//! The guide's `AsyncDatabaseManager` hands out fake connections from a queue
//! and puts each back in `finally`. Here a count bounds the open connections,
//! and the guard, `PooledConnection`, gives one back only when its operation
//! finished, with any open transaction rolled back; one whose caller left
//! mid-query is closed. A connection given back wakes every caller waiting (a
//! `Notify`), each looks again, and the first to look takes it: a caller that
//! stops polling while it waits takes nothing, where Tokio's semaphore would
//! hand it the next connection all the same. Given up: the queue order, as a
//! caller that just arrived may take a connection first. One that stops polling
//! once it has room, while a connection opens for it, keeps that room, as the
//! holder of any guard does. `run` uses the connection in a task of its own, so
//! a caller that stops polling mid-query keeps none either. The guide's
//! transaction only sleeps; here statements run with parameters in a rusqlite
//! `Transaction`, which rolls back unless committed, and the row counts prove
//! it. See the book's page "Files and databases".
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Database Integration Patterns"
//!   (`AsyncDatabaseManager`)
//! - *Asynchronous Programming in Python*, "Database Operations (aiomysql)"

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use futures::future::{join_all, try_join_all};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};
use tempfile::TempDir;
use tokio::sync::{Notify, oneshot};
use tokio::task::{JoinError, spawn_blocking};
use tokio_util::task::AbortOnDropHandle;

const POOL_SIZE: usize = 3;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// The blocking job panicked, or never ran: a runtime that shuts down
    /// may drop a job that has not started.
    #[error("the database call did not finish")]
    Failed(#[from] JoinError),
    #[error("the connection is gone: an earlier operation on it was abandoned")]
    Abandoned,
    #[error("the operation left a transaction open; it was rolled back")]
    OpenTransaction,
    #[error("a pool needs room for at least one connection")]
    Empty,
    #[error("cannot create a temporary directory")]
    TempDir(#[from] std::io::Error),
}

/// The guide's `AsyncDatabaseManager`.
#[derive(Clone)]
struct Pool {
    shared: Arc<Shared>,
}

struct Shared {
    path: PathBuf,
    size: usize,
    state: Mutex<State>,
    /// Told when a connection comes back or is closed.
    returned: Notify,
    opened: AtomicUsize,
    /// Removed when the last share of the pool is dropped, after the idle
    /// connections above are closed (fields drop in declaration order).
    _dir: TempDir,
}

#[derive(Default)]
struct State {
    idle: Vec<Connection>,
    /// Leases out: connections on loan, being opened, or busy in an
    /// abandoned operation. With the idle ones, never more than `size`.
    leased: usize,
}

impl Shared {
    /// Pushing, popping and counting cannot leave the state half-changed,
    /// so a panic elsewhere while it was locked does not make it unusable.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// An idle connection and a lease for it, or a lease to open one; `None`
    /// while the pool is full.
    fn lease(self: &Arc<Self>) -> Option<(Option<Connection>, Lease)> {
        let mut state = self.state();
        let idle = state.idle.pop();
        if idle.is_none() && state.idle.len() + state.leased >= self.size {
            return None;
        }
        state.leased += 1;
        Some((idle, Lease(Arc::clone(self))))
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let connection = Connection::open(&self.path)?;
        // Wait up to 5 s for another connection's lock before failing with
        // SQLITE_BUSY. rusqlite's default is the same today, but it says the
        // default may change, so the pool states what it relies on.
        connection.busy_timeout(Duration::from_secs(5))?;
        self.opened.fetch_add(1, Ordering::Relaxed);
        Ok(connection)
    }
}

/// Counts a connection against the pool's size, and keeps a share of the
/// pool; dropped, it wakes every caller waiting.
struct Lease(Arc<Shared>);

impl Drop for Lease {
    fn drop(&mut self) {
        self.0.state().leased -= 1;
        // Every waiter looks again, so one that is never polled again takes
        // nothing from the others.
        self.0.returned.notify_waiters();
    }
}

/// A connection and the lease that counts it. They travel together, so a
/// connection still busy in an abandoned operation still holds its place,
/// and is closed before the directory is removed.
struct Slot {
    connection: Connection,
    lease: Lease,
}

/// A connection on loan from the pool.
struct PooledConnection {
    /// `None` while an operation has it, and for good once one was abandoned.
    slot: Option<Slot>,
}

impl Drop for PooledConnection {
    fn drop(&mut self) {
        // The slot is here only if every operation on it finished. Without
        // it there is nothing to return: the connection is closed where the
        // abandoned operation drops it.
        let Some(Slot { connection, lease }) = self.slot.take() else {
            return;
        };
        // `run` never leaves a transaction open, so the connection is in a
        // known state.
        lease.0.state().idle.push(connection);
        // The lease goes last: a caller it wakes finds the connection idle,
        // or finds room to open a new one.
        drop(lease);
    }
}

impl PooledConnection {
    /// Runs `f` with the connection on the blocking pool.
    async fn run<T, F>(&mut self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let mut slot = self.slot.take().ok_or(DbError::Abandoned)?;
        let (slot, result) = spawn_blocking(move || {
            let result = f(&mut slot.connection).map_err(DbError::from);
            // An operation is one transaction at most. SQLite keeps a
            // transaction open after a statement inside it fails, and an
            // operation may return before its `COMMIT`: rolled back here, on
            // this thread, so the connection never goes back mid-transaction.
            // One that won't roll back is closed here, with its lease.
            if slot.connection.is_autocommit() {
                return (Some(slot), result);
            }
            match slot.connection.execute_batch("ROLLBACK") {
                Ok(()) => (Some(slot), result.and(Err(DbError::OpenTransaction))),
                Err(error) => {
                    drop(slot);
                    (None, result.and(Err(error.into())))
                }
            }
        })
        .await?;
        self.slot = slot;
        result
    }

    /// aiomysql's `cur.execute(sql)` then `cur.fetchall()`.
    async fn fetch_all<T: Send + 'static>(
        &mut self,
        sql: &'static str,
        map: fn(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, DbError> {
        self.run(move |connection| {
            let mut statement = connection.prepare(sql)?;
            let rows = statement.query_map((), map)?;
            rows.collect()
        })
        .await
    }
}

impl Pool {
    /// A pool of `size` connections to a new database in a temporary
    /// directory of its own: the guide's `initialize`, done once, when the
    /// pool is made, rather than by whichever call comes first.
    async fn open(size: usize) -> Result<Self, DbError> {
        // With no room, every `acquire` would wait forever.
        if size == 0 {
            return Err(DbError::Empty);
        }
        let dir = tempfile::tempdir()?;
        let shared = Arc::new(Shared {
            path: dir.path().join("app.db"),
            size,
            state: Mutex::default(),
            returned: Notify::new(),
            opened: AtomicUsize::new(0),
            _dir: dir,
        });
        // Each connection goes into the pool as soon as it is open, so none
        // outlives the job's share of the directory.
        let opening = Arc::clone(&shared);
        spawn_blocking(move || {
            for _ in 0..size {
                let connection = opening.open()?;
                opening.state().idle.push(connection);
            }
            Ok::<_, rusqlite::Error>(())
        })
        .await??;
        println!(
            "Initialized pool with {} connections",
            shared.state().idle.len()
        );
        Ok(Self { shared })
    }

    /// The guide's `get_connection`, and aiomysql's `pool.acquire()`: waits
    /// for room, then takes an idle connection or, if the pool has closed
    /// one, opens a fresh one.
    async fn acquire(&self) -> Result<PooledConnection, DbError> {
        let (idle, lease) = loop {
            // Made before the look: `notify_waiters` reaches a `Notified`
            // from the moment it is made, so a connection given back between
            // the look and the wait still wakes this caller.
            let returned = self.shared.returned.notified();
            if let Some(found) = self.shared.lease() {
                break found;
            }
            returned.await;
        };
        let slot = match idle {
            Some(connection) => Slot { connection, lease },
            None => {
                // The lease goes along, so a connection whose caller left
                // while it was being opened counts until it is closed.
                spawn_blocking(move || {
                    let connection = lease.0.open()?;
                    Ok::<_, rusqlite::Error>(Slot { connection, lease })
                })
                .await??
            }
        };
        Ok(PooledConnection { slot: Some(slot) })
    }

    /// The guide's `execute_query`: one operation on whichever connection is
    /// free. The operation runs in a task of its own, which gives the
    /// connection back when it ends, so a caller that stops polling while it
    /// runs keeps none. Dropping the future aborts the task.
    async fn run<T, F>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.clone();
        let task = tokio::spawn(async move { pool.acquire().await?.run(f).await });
        AbortOnDropHandle::new(task).await?
    }

    /// The guide's `execute_transaction`: every statement, or none.
    async fn execute_transaction(
        &self,
        statements: Vec<(&'static str, Vec<Value>)>,
    ) -> Result<(), DbError> {
        println!("Starting transaction with {} queries", statements.len());
        let outcome = self
            .run(move |connection| {
                let transaction = connection.transaction()?;
                for (sql, values) in &statements {
                    transaction.execute(sql, params_from_iter(values))?;
                }
                transaction.commit()
            })
            .await;
        match &outcome {
            Ok(()) => println!("Transaction committed"),
            Err(error) => println!("Transaction rolled back: {error}"),
        }
        outcome
    }

    async fn counts(&self) -> Result<(i64, i64), DbError> {
        self.run(|connection| {
            connection.query_row(
                "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM logs)",
                (),
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
        })
        .await
    }
}

/// Three lookups, one after another, each on whatever connection is free.
async fn worker(pool: Pool, worker_id: i64) -> Result<Vec<String>, DbError> {
    let mut names = Vec::new();
    for id in worker_id * 3..(worker_id + 1) * 3 {
        let name = pool
            .run(move |connection| {
                connection
                    .query_row("SELECT name FROM users WHERE id = ?1", params![id], |row| {
                        row.get(0)
                    })
                    .optional()
            })
            .await?;
        names.extend(name);
    }
    Ok(names)
}

/// The aiomysql guide's `fetch_data`: acquire, execute, fetch all.
async fn fetch_data(pool: &Pool) -> Result<Vec<(i64, String)>, DbError> {
    let mut connection = pool.acquire().await?;
    connection
        .fetch_all("SELECT id, name FROM users ORDER BY id", |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .await
}

pub async fn run() -> Result<(), DbError> {
    let pool = Pool::open(POOL_SIZE).await?;

    pool.run(|connection| {
        connection.execute_batch(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, status TEXT);
             CREATE TABLE logs (id INTEGER PRIMARY KEY, action TEXT NOT NULL);",
        )?;
        let mut insert = connection.prepare("INSERT INTO users (id, name) VALUES (?1, ?2)")?;
        for id in 0..12 {
            insert.execute(params![id, format!("user-{id}")])?;
        }
        Ok(())
    })
    .await?;

    // Four workers share three connections, as tasks like the guide's.
    // Aborted when dropped, so a cancelled `run` stops it too.
    let workers = (0..4).map(|id| AbortOnDropHandle::new(tokio::spawn(worker(pool.clone(), id))));
    let results = join_all(workers).await;
    for (id, names) in results.into_iter().enumerate() {
        println!("Worker {id} found: {}", names??.join(", "));
    }
    println!("Completed 4 workers");

    let rows = fetch_data(&pool).await?;
    if let (Some(first), Some(last)) = (rows.first(), rows.last()) {
        println!("fetch_data: {} rows, {first:?} to {last:?}", rows.len());
    }

    pool.execute_transaction(vec![
        (
            "INSERT INTO users (name) VALUES (?1)",
            vec!["Alice".to_owned().into()],
        ),
        (
            "UPDATE users SET status = ?1 WHERE name = ?2",
            vec!["active".to_owned().into(), "Alice".to_owned().into()],
        ),
        (
            "INSERT INTO logs (action) VALUES (?1)",
            vec!["user_created".to_owned().into()],
        ),
    ])
    .await?;
    let committed = pool.counts().await?;
    println!("Rows: users {}, logs {}", committed.0, committed.1);

    // The third statement breaks the UNIQUE constraint on `name`, after
    // the first two have run.
    let failed = pool
        .execute_transaction(vec![
            (
                "INSERT INTO users (name) VALUES (?1)",
                vec!["Bob".to_owned().into()],
            ),
            (
                "INSERT INTO logs (action) VALUES (?1)",
                vec!["user_created".to_owned().into()],
            ),
            (
                "INSERT INTO users (name) VALUES (?1)",
                vec!["Alice".to_owned().into()],
            ),
        ])
        .await;
    assert!(failed.is_err(), "the duplicate name must be refused");
    let after = pool.counts().await?;
    println!("Rows: users {}, logs {}", after.0, after.1);

    let alice = pool
        .run(|connection| {
            connection.query_row(
                "SELECT status FROM users WHERE name = ?1",
                params!["Alice"],
                |row| row.get::<_, Option<String>>(0),
            )
        })
        .await?;
    assert_eq!(
        after, committed,
        "the rolled-back transaction left rows behind"
    );
    assert_eq!(alice.as_deref(), Some("active"), "committed work was lost");
    println!("Nothing partial left, nothing committed lost");

    println!();
    abandon_a_query(&pool).await?;
    // Taking every connection at once makes the pool open a replacement.
    let all = try_join_all((0..POOL_SIZE).map(|_| pool.acquire())).await?;
    println!(
        "Took all {} connections at once; opened in all: {}",
        all.len(),
        pool.opened()
    );
    Ok(())
}

// What only proves the pool keeps its promises: a query abandoned while it
// runs, and how many connections there are.

/// A caller that gives up on a query while it runs, as a `timeout` or a
/// client that went away would. The query waits for `go_on` so that it is
/// still running when the caller leaves, on either clock.
async fn abandon_a_query(pool: &Pool) -> Result<(), DbError> {
    let mut connection = pool.acquire().await?;
    let (started_tx, started) = oneshot::channel();
    let (go_on, wait) = oneshot::channel::<()>();
    let query = connection.run(move |connection| {
        let _ = started_tx.send(());
        let _ = wait.blocking_recv();
        connection.query_row("SELECT count(*) FROM users", (), |row| row.get::<_, i64>(0))
    });
    tokio::select! {
        biased;
        // The query waits for `go_on`, so only a failure can end it first.
        outcome = query => {
            outcome?;
        }
        _ = started => println!("Gave up on a query while it ran"),
    }
    drop(connection);
    println!(
        "Its connection is not returned: {} idle of {POOL_SIZE}",
        pool.idle_count()
    );
    // The abandoned query now ends and drops its connection and lease.
    let _ = go_on.send(());
    Ok(())
}

impl Pool {
    fn idle_count(&self) -> usize {
        self.shared.state().idle.len()
    }

    fn opened(&self) -> usize {
        self.shared.opened.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use std::pin::pin;

    use tokio::time::timeout;

    use super::*;

    #[tokio::test]
    async fn no_connection_goes_back_inside_a_transaction() {
        // One connection, so every operation gets the same one back.
        let pool = Pool::open(1).await.unwrap();
        pool.run(|db| {
            db.execute_batch("CREATE TABLE t (name TEXT UNIQUE); INSERT INTO t VALUES ('a');")
        })
        .await
        .unwrap();

        // The second insert fails, and SQLite keeps the transaction open.
        let failed = pool
            .run(|db| {
                db.execute_batch("BEGIN; INSERT INTO t VALUES ('b'); INSERT INTO t VALUES ('a');")
            })
            .await;
        assert!(matches!(failed, Err(DbError::Sqlite(_))), "{failed:?}");
        let uncommitted = pool
            .run(|db| db.execute_batch("BEGIN; INSERT INTO t VALUES ('c');"))
            .await;
        assert!(
            matches!(uncommitted, Err(DbError::OpenTransaction)),
            "{uncommitted:?}"
        );

        let (count, autocommit) = pool
            .run(|db| {
                let count =
                    db.query_row("SELECT count(*) FROM t", (), |row| row.get::<_, i64>(0))?;
                Ok((count, db.is_autocommit()))
            })
            .await
            .unwrap();
        assert_eq!((count, autocommit), (1, true));
        assert_eq!(pool.opened(), 1, "the connection was kept, not replaced");
    }

    /// With one connection: a call polled once while the connection is
    /// busy, then neither polled again nor dropped, and the calls after it
    /// still run.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_stalls_no_other_caller() {
        let pool = Pool::open(1).await.unwrap();
        let (release, released) = std::sync::mpsc::channel::<()>();
        let mut busy = pin!(pool.run(move |_| Ok(released.recv())));
        assert!(futures::poll!(busy.as_mut()).is_pending());
        let mut held = pin!(pool.run(|db| db.execute_batch("SELECT 1")));
        assert!(futures::poll!(held.as_mut()).is_pending());
        release.send(()).unwrap();
        busy.await.unwrap().unwrap();
        let query = |db: &mut Connection| db.query_row("SELECT 2", (), |row| row.get::<_, i64>(0));
        let others = timeout(Duration::from_secs(10), pool.run(query)).await;
        assert_eq!(others.expect("the others wait for ever").unwrap(), 2);
    }

    /// With one connection: an `acquire` polled once while the connection
    /// is out, then neither polled again nor dropped (`fetch_data` in a
    /// branch of a `select!` that stopped polling it), and the callers after
    /// it still get the connection when it comes back.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_in_acquire_stalls_no_other_caller() {
        let pool = Pool::open(1).await.unwrap();
        pool.run(|db| db.execute_batch("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)"))
            .await
            .unwrap();
        let first = pool.acquire().await.unwrap();
        let mut held = pin!(pool.acquire());
        assert!(
            futures::poll!(held.as_mut()).is_pending(),
            "the pool is full"
        );
        drop(first);
        for _ in 0..3 {
            let rows = timeout(Duration::from_secs(10), fetch_data(&pool)).await;
            assert!(rows.expect("the others wait for ever").unwrap().is_empty());
        }
        let query = |db: &mut Connection| db.query_row("SELECT 2", (), |row| row.get::<_, i64>(0));
        let run = timeout(Duration::from_secs(10), pool.run(query)).await;
        assert_eq!(run.expect("the others wait for ever").unwrap(), 2);
    }
}
