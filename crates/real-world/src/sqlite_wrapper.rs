//! Blocking SQLite calls moved off the runtime with `spawn_blocking`: the
//! guide's `AsyncSQLiteWrapper`, on one database that keeps its table.
//!
//! rusqlite, like Python's `sqlite3`, is a blocking API, and a blocking call
//! on the runtime's thread stalls every task on it. `loop.run_in_executor(
//! None, f)` is `tokio::task::spawn_blocking(f)`: `f` runs on Tokio's pool of
//! threads for blocking work, and the caller awaits its result.
//!
//! What the guide's Python really does: every call opens a new connection
//! with `sqlite3.connect(':memory:')`, and every in-memory connection is a
//! new, empty database. The table made by the first call is gone by the
//! second, and the batch insert fails with `no such table: users`. (With a
//! file path it would work; `with connect()` also commits but never closes
//! the connection.) The text means one database, so the wrapper here owns
//! one connection, opened once, and every call borrows it on the blocking
//! pool.
//!
//! The connection sits behind a `tokio::sync::Mutex`, locked with `.await`
//! before the call goes to the blocking pool, and the guard travels into the
//! closure. So a call waiting for the connection waits as a task, in the
//! mutex's first-come queue, and takes no thread; only the call holding the
//! connection occupies a blocking thread. (A `std::sync::Mutex` locked inside
//! the closure would park one blocking thread per waiting call.) A caller
//! cancelled while it waits for the lock leaves nothing behind; one cancelled
//! once its closure is running only stops waiting: the closure runs to the
//! end and then lets the connection go.
//!
//! The guide's `execute` guesses from the SQL whether to fetch rows or count
//! them; here the closure says what it wants. *Python Async Programming: A
//! Detailed Guide*'s `fetch_users` is a fragment, `db.execute("SELECT * FROM users")` on a `db`
//! it never defines; here it is one more closure on the same `call`, naming
//! its columns and ordering the rows, since SQL returns rows in no defined
//! order without `ORDER BY`. Values always go in as
//! parameters (`?1`), never formatted into the SQL. The three lookups run
//! concurrently as in the guide, but one connection serves one at a time;
//! what they gain is a runtime that stays free. `sqlite_pool` gives each
//! caller a connection of its own. The `tokio-rusqlite` crate offers the
//! same `call(closure)` API with another design: one dedicated thread per
//! connection, fed the closures through a channel. `sqlx` has an async
//! SQLite driver built the same way.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Async Database Operations"
//! - *Python Async Programming: A Detailed Guide*,
//!   "Good Use Cases (I/O-Bound Operations)"
//!   (database queries)

use std::sync::Arc;

use futures::future::join_all;
use rusqlite::{Connection, OptionalExtension, Row, params};
use tokio::sync::Mutex;
use tokio::task::{JoinError, spawn_blocking};

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// The blocking job panicked, or never ran: a runtime that shuts down
    /// may drop a job that has not started.
    #[error("the database call did not finish: {0}")]
    Failed(#[from] JoinError),
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

    /// Runs `f` with the connection on the blocking pool.
    async fn call<T, F>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let mut connection = Arc::clone(&self.connection).lock_owned().await;
        spawn_blocking(move || f(&mut connection))
            .await?
            .map_err(DbError::from)
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
