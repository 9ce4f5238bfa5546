//! The guide's `AsyncSQLiteWrapper`, its blocking calls on `spawn_blocking`.
//!
//! `run_in_executor(None, f)` is `spawn_blocking(f)`. The guide connects to
//! `':memory:'` on every call, a new empty database each time, so its insert
//! fails with "no such table". Here `AsyncSqlite` owns one connection, behind
//! a `tokio::sync::Mutex` locked before the call takes a blocking thread.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Async Database Operations"
//! - *Python Async Programming: A Detailed Guide*,
//!   "Good Use Cases (I/O-Bound Operations)" (database queries)

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;

use futures::future::join_all;
use rusqlite::{Connection, OptionalExtension, Row, params};
use tokio::sync::{Mutex, OwnedMutexGuard};
use tokio::task::{JoinError, spawn_blocking};
use tokio_util::task::AbortOnDropHandle;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// The blocking job panicked, or never ran: a runtime that shuts down
    /// may drop a job that has not started.
    #[error("the database call did not finish")]
    Failed(#[from] JoinError),
    #[error("the call left a transaction open; it was rolled back")]
    OpenTransaction,
}

/// One SQLite connection, used from async code.
#[derive(Clone)]
struct AsyncSqlite {
    connection: Arc<Mutex<Connection>>,
}

impl AsyncSqlite {
    async fn open_in_memory() -> Result<Self, DbError> {
        let connection = spawn_blocking(Connection::open_in_memory).await??;
        Ok(Self {
            connection: Arc::new(Mutex::new(connection)),
        })
    }

    /// Runs `f` with the connection on the blocking pool: `f` says what the
    /// call wants, with parameters, never formatted SQL. Dropping the future
    /// aborts the wait for the connection; a call already running finishes,
    /// then frees it.
    async fn call<T, F>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let connection = Arc::clone(&self.connection);
        // Waits in a task of its own: the mutex hands itself to the next
        // waiter in line, polled or not, so a caller that stopped polling
        // while it waited would keep the connection from every call after it.
        let task = tokio::spawn(async move {
            let connection = connection.lock_owned().await;
            run_blocking(connection, f).await
        });
        AbortOnDropHandle::new(task).await?
    }

    /// The guide's `executemany`: one prepared statement, run for each row,
    /// in one transaction so the rows go in together or not at all.
    async fn insert_users(&self, users: Vec<(&'static str, &'static str)>) -> Result<(), DbError> {
        self.call(move |connection| {
            let transaction = connection.transaction()?;
            {
                let mut insert =
                    transaction.prepare("INSERT INTO users (name, email) VALUES (?1, ?2)")?;
                for (name, email) in users {
                    insert.execute(params![name, email])?;
                }
            }
            transaction.commit()
        })
        .await
    }
}

/// Runs `f` on the blocking pool with the connection its caller locked,
/// which the job frees when it ends.
async fn run_blocking<T, F>(mut connection: OwnedMutexGuard<Connection>, f: F) -> Result<T, DbError>
where
    F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    T: Send + 'static,
{
    spawn_blocking(move || {
        // A panic is caught only to roll back first, then goes on.
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| f(&mut connection)));
        // A call is one transaction at most. SQLite keeps a transaction
        // open after a statement inside it fails, and `f` may return, or
        // panic, before its `COMMIT`: rolled back here, on this thread, so
        // the next call never starts inside it.
        let rolled_back =
            (!connection.is_autocommit()).then(|| connection.execute_batch("ROLLBACK"));
        let result = outcome
            .unwrap_or_else(|panic| panic::resume_unwind(panic))
            .map_err(DbError::from);
        match rolled_back {
            None => result,
            Some(Ok(())) => result.and(Err(DbError::OpenTransaction)),
            Some(Err(error)) => Err(error.into()),
        }
    })
    .await?
}

struct User {
    id: i64,
    name: String,
    email: String,
}

impl User {
    /// A row of `SELECT id, name, email`.
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            name: row.get(1)?,
            email: row.get(2)?,
        })
    }
}

async fn get_user_by_name(db: &AsyncSqlite, name: &'static str) -> Result<Option<User>, DbError> {
    db.call(move |connection| {
        connection
            .query_row(
                "SELECT id, name, email FROM users WHERE name = ?1",
                params![name],
                User::from_row,
            )
            .optional()
    })
    .await
}

/// The guide's `fetch_users`: every row of the table.
async fn fetch_users(db: &AsyncSqlite) -> Result<Vec<User>, DbError> {
    db.call(|connection| {
        let mut select = connection.prepare("SELECT id, name, email FROM users ORDER BY id")?;
        select.query_map((), User::from_row)?.collect()
    })
    .await
}

pub async fn run() -> Result<(), DbError> {
    let db = AsyncSqlite::open_in_memory().await?;

    db.call(|connection| {
        connection.execute(
            "CREATE TABLE users (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                email TEXT UNIQUE
            )",
            (),
        )
    })
    .await?;

    let new_users = vec![
        ("Alice", "alice@example.com"),
        ("Bob", "bob@example.com"),
        ("Charlie", "charlie@example.com"),
    ];
    db.insert_users(new_users).await?;

    let names = ["Alice", "Bob", "Charlie"];
    let results = join_all(names.map(|name| get_user_by_name(&db, name))).await;
    for user in results {
        if let Some(user) = user? {
            println!("User: ({}, {:?}, {:?})", user.id, user.name, user.email);
        }
    }

    let names: Vec<String> = fetch_users(&db)
        .await?
        .into_iter()
        .map(|user| user.name)
        .collect();
    println!("All users: {names:?}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::pin::pin;
    use std::time::Duration;

    use tokio::time::timeout;

    use super::*;

    async fn users_table() -> AsyncSqlite {
        let db = AsyncSqlite::open_in_memory().await.unwrap();
        db.call(|connection| {
            connection.execute_batch(
                "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT UNIQUE)",
            )
        })
        .await
        .unwrap();
        db.insert_users(vec![("Alice", "alice@example.com")])
            .await
            .unwrap();
        db
    }

    async fn names(db: &AsyncSqlite) -> Vec<String> {
        let users = fetch_users(db).await.unwrap();
        users.into_iter().map(|user| user.name).collect()
    }

    /// SQLite keeps a transaction open after a statement in it fails: the
    /// next call must not start inside it, nor see its rows.
    #[tokio::test]
    async fn a_failed_transaction_is_not_passed_on() {
        let db = users_table().await;
        let failed = db
            .call(|connection| {
                connection.execute_batch(
                    "BEGIN;
                     INSERT INTO users (name, email) VALUES ('Eve', 'eve@example.com');
                     INSERT INTO users (name, email) VALUES ('Mallory', 'alice@example.com');",
                )
            })
            .await;
        assert!(failed.is_err());
        db.insert_users(vec![("Bob", "bob@example.com")])
            .await
            .unwrap();
        assert_eq!(names(&db).await, ["Alice", "Bob"]);
    }

    /// A call that returns before its `COMMIT` fails, and what it wrote is
    /// rolled back.
    #[tokio::test]
    async fn an_uncommitted_transaction_is_rolled_back() {
        let db = users_table().await;
        let uncommitted = db
            .call(|connection| {
                connection.execute_batch(
                    "BEGIN; INSERT INTO users (name, email) VALUES ('Eve', 'eve@example.com');",
                )
            })
            .await;
        assert!(
            matches!(uncommitted, Err(DbError::OpenTransaction)),
            "{uncommitted:?}"
        );
        assert_eq!(names(&db).await, ["Alice"]);
    }

    /// A call that panics inside a transaction: the panic comes back as
    /// the task's, and what it wrote is rolled back before the next call.
    #[tokio::test]
    async fn a_transaction_a_panic_interrupted_is_rolled_back() {
        let db = users_table().await;
        let panicked = db
            .call(|connection| -> rusqlite::Result<()> {
                connection.execute_batch(
                    "BEGIN; INSERT INTO users (name, email) VALUES ('Eve', 'eve@example.com');",
                )?;
                panic!("a bug halfway through the transaction");
            })
            .await;
        assert!(
            matches!(&panicked, Err(DbError::Failed(error)) if error.is_panic()),
            "{panicked:?}"
        );
        db.insert_users(vec![("Bob", "bob@example.com")])
            .await
            .unwrap();
        assert_eq!(names(&db).await, ["Alice", "Bob"]);
    }

    /// A call polled once while the connection is busy, then neither
    /// polled again nor dropped: the calls after it still run.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_stalls_no_other_caller() {
        let db = users_table().await;
        let (release, released) = std::sync::mpsc::channel::<()>();
        let mut busy = pin!(db.call(move |_| Ok(released.recv())));
        assert!(futures::poll!(busy.as_mut()).is_pending());
        let mut held = pin!(fetch_users(&db));
        assert!(futures::poll!(held.as_mut()).is_pending());
        release.send(()).unwrap();
        busy.await.unwrap().unwrap();
        let others = timeout(Duration::from_secs(10), names(&db)).await;
        assert_eq!(others.expect("the others wait for ever"), ["Alice"]);
    }
}
