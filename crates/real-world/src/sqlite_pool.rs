//! A pool of real SQLite connections to a database file, shared by
//! concurrent workers, and transactions that commit whole or roll back
//! whole.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Database Integration Patterns"
//!   (`AsyncDatabaseManager`)
//! - *Asynchronous Programming in Python*, "Database Operations (aiomysql)"
//!
//! The guide's pool is an `asyncio.Queue` of fake connections, handed out
//! by an `@asynccontextmanager` that puts each one back in `finally`. Here
//! the connections are real, to a file in a temporary directory, and the
//! pool is a semaphore with one permit per idle connection. `get` waits for
//! a permit and returns a `PooledConnection`, a guard whose `Drop` puts the
//! connection back and only then frees the permit: the `finally` runs
//! however the borrower ends, a panic included. `run` takes a connection
//! and calls a closure with it on the blocking pool, as `sqlite_wrapper`
//! does.
//!
//! The guide's transaction only sleeps and prints "committed", and its
//! workers format values into the SQL (`WHERE id = {i}`). Here the
//! statements really run, with parameters, inside a rusqlite `Transaction`:
//! `commit` makes them permanent, and a `Transaction` dropped without a
//! commit, as when `?` returns early on a failing statement, rolls back.
//! That is the `except: rollback` the guide prints but never does. The
//! counts before and after the failing transaction show nothing partial
//! left behind, and the first transaction's work still there.
//!
//! For MySQL (the aiomysql block) the pattern is the same with a driver that
//! is async itself, so no `spawn_blocking`: `sqlx` (`MySqlPool`) or
//! `mysql_async`, each with its own pool. For SQLite, `deadpool-sqlite` and
//! `r2d2_sqlite` are pools like this one; at the time of writing both
//! require rusqlite 0.40, and one program cannot link two versions of
//! SQLite's library, so this workspace, on 0.41, keeps the thirty lines.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::future::join_all;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use tokio::sync::{AcquireError, OwnedSemaphorePermit, Semaphore};
use tokio::task::{JoinError, spawn_blocking};

const POOL_SIZE: usize = 3;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error("a database call panicked")]
    Panicked(#[from] JoinError),
    #[error("the pool is closed")]
    Closed(#[from] AcquireError),
    #[error("cannot create a temporary directory: {0}")]
    TempDir(#[from] std::io::Error),
}

#[derive(Clone)]
struct Pool {
    shared: Arc<Shared>,
}

struct Shared {
    idle: Mutex<Vec<Connection>>,
    permits: Arc<Semaphore>,
    in_use: AtomicUsize,
    most_in_use: AtomicUsize,
}

/// A connection on loan from the pool, returned when dropped.
struct PooledConnection {
    connection: Option<Connection>,
    shared: Arc<Shared>,
    // Dropped after `drop` below has put the connection back.
    _permit: OwnedSemaphorePermit,
}

impl Drop for PooledConnection {
    fn drop(&mut self) {
        if let Some(connection) = self.connection.take() {
            self.shared.idle().push(connection);
        }
        self.shared.in_use.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Shared {
    /// Pushing and popping cannot leave the list half-changed, so a panic
    /// elsewhere while it was locked does not make it unusable.
    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<Connection>> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn open_connection(path: &Path) -> rusqlite::Result<Connection> {
    let connection = Connection::open(path)?;
    // Wait for another connection's write lock instead of failing at once.
    connection.busy_timeout(Duration::from_secs(5))?;
    Ok(connection)
}

impl Pool {
    async fn open(path: PathBuf, size: usize) -> Result<Self, DbError> {
        let connections = spawn_blocking(move || {
            (0..size)
                .map(|_| open_connection(&path))
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .await??;
        println!("Initialized pool with {} connections", connections.len());
        Ok(Self {
            shared: Arc::new(Shared {
                idle: Mutex::new(connections),
                permits: Arc::new(Semaphore::new(size)),
                in_use: AtomicUsize::new(0),
                most_in_use: AtomicUsize::new(0),
            }),
        })
    }

    /// Waits for a free connection.
    async fn get(&self) -> Result<PooledConnection, DbError> {
        let permit = Arc::clone(&self.shared.permits).acquire_owned().await?;
        let connection = self.shared.idle().pop();
        assert!(
            connection.is_some(),
            "a permit always has an idle connection"
        );
        let in_use = self.shared.in_use.fetch_add(1, Ordering::Relaxed) + 1;
        self.shared.most_in_use.fetch_max(in_use, Ordering::Relaxed);
        Ok(PooledConnection {
            connection,
            shared: Arc::clone(&self.shared),
            _permit: permit,
        })
    }

    /// Runs `f` with a pooled connection on the blocking pool.
    async fn run<T, F>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let mut pooled = self.get().await?;
        spawn_blocking(move || match pooled.connection.as_mut() {
            Some(connection) => f(connection),
            None => unreachable!("a pooled connection is only taken when dropped"),
        })
        .await?
        .map_err(DbError::from)
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

pub async fn run() -> Result<(), DbError> {
    let dir = tempfile::tempdir()?;
    let pool = Pool::open(dir.path().join("app.db"), POOL_SIZE).await?;

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
    let workers = (0..4).map(|id| tokio::spawn(worker(pool.clone(), id)));
    let results = join_all(workers).await;
    for (id, names) in results.into_iter().enumerate() {
        println!("Worker {id} found: {}", names??.join(", "));
    }
    println!("Completed 4 workers");
    // How many connections were in use at once depends on how fast the
    // blocking threads answer, so it is checked, not printed.
    let most = pool.shared.most_in_use.load(Ordering::Relaxed);
    assert!(
        most <= POOL_SIZE,
        "{most} connections in use, pool has {POOL_SIZE}"
    );

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
    Ok(())
}
