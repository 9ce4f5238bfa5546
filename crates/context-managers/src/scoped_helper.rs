//! `@asynccontextmanager` as a helper that takes the body as an async closure.
//!
//! The helper does the setup, calls the body (an `AsyncFnOnce`) with what
//! Python would yield, then awaits the cleanup, however the body returns; not
//! on a panic or a cancelled call, unlike `finally` (see `cleanup_on_cancel`).
//! The guide's `db_management` never imports `contextlib`.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Contextlib for Async Context Managers"
//! - *Python Async Programming: A Detailed Guide*,
//!   "Using `@asynccontextmanager`"
//! - *Asynchronous Programming in Python*,
//!   "Async Context Managers" (`db_management`)

use std::time::Duration;

use tokio::time::sleep;

struct Connection {
    name: String,
}

#[derive(Debug, thiserror::Error)]
#[error("query {0:?} failed: permission denied")]
struct QueryError(String);

impl Connection {
    async fn query(&self, sql: &str) -> Result<u32, QueryError> {
        sleep(Duration::from_millis(300)).await;
        if sql.contains("secrets") {
            return Err(QueryError(sql.to_owned()));
        }
        Ok(42)
    }
}

/// `async_file_handler(filename)` from "Using `@asynccontextmanager`": the
/// code before `yield` is the setup, the body runs in place of `yield`, and
/// the `finally` block follows.
async fn with_file_handler<T>(filename: &str, body: impl AsyncFnOnce(&str) -> T) -> T {
    println!("Opening {filename}");
    sleep(Duration::from_secs(1)).await;
    let handle = format!("Handle to {filename}");

    let result = body(&handle).await;

    println!("Closing {filename}");
    sleep(Duration::from_secs(1)).await;
    result
}

/// `database_connection(db_name)` from "Contextlib for Async Context
/// Managers", the same shape; its body returns a `Result`, so the examples
/// below can fail and return early.
async fn with_connection<T, E>(
    db_name: &str,
    body: impl AsyncFnOnce(&Connection) -> Result<T, E>,
) -> Result<T, E> {
    println!("Connecting to {db_name}");
    sleep(Duration::from_millis(500)).await;
    let connection = Connection {
        name: format!("Connection to {db_name}"),
    };

    let result = body(&connection).await;

    println!("Disconnecting from {db_name}");
    sleep(Duration::from_millis(200)).await;
    result
}

/// `db_management()` from "Async Context Managers", whose context is the time between two
/// actions rather than an object: the body gets nothing, and the database is
/// started again however the body returns (not if the call is cancelled).
async fn with_database_stopped<T>(body: impl AsyncFnOnce() -> T) -> T {
    println!("Stopping the database");
    sleep(Duration::from_millis(100)).await;
    let result = body().await;
    println!("Starting the database");
    sleep(Duration::from_millis(100)).await;
    result
}

pub async fn run() {
    with_file_handler("data.txt", async |handle| {
        println!("Working with {handle}");
        sleep(Duration::from_secs(1)).await;
    })
    .await;

    println!();
    let result = with_connection("PostgreSQL", async |conn| {
        println!("Using {}", conn.name);
        let rows = conn.query("SELECT count(*) FROM users").await?;
        println!("Work completed");
        Ok::<_, QueryError>(rows)
    })
    .await;
    println!("Result: {result:?}");

    println!();
    let result = with_connection("PostgreSQL", async |conn| {
        println!("Using {}", conn.name);
        let rows = conn.query("SELECT * FROM secrets").await?;
        println!("Work completed");
        Ok::<_, QueryError>(rows)
    })
    .await;
    match result {
        Ok(rows) => println!("Result: {rows}"),
        Err(error) => println!("Error: {error}"),
    }

    println!();
    let use_cache = true;
    let result = with_connection("PostgreSQL", async |conn| {
        println!("Using {}", conn.name);
        if use_cache {
            println!("Answer found in the cache; returning early");
            return Ok(7);
        }
        conn.query("SELECT count(*) FROM users").await
    })
    .await;
    println!("Result: {result:?}");

    println!();
    with_database_stopped(async || {
        println!("Backing up the data files");
        sleep(Duration::from_secs(1)).await;
    })
    .await;
}
