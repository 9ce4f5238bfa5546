//! Batching database writes: 200 inserts in one transaction against one
//! transaction per row, in real SQLite on a file.
//!
//! What makes `executemany` fast in SQLite is the transaction: outside one,
//! each `INSERT` is its own, with its own journal and sync to disk. In Rust
//! that is `Connection::transaction`, one prepared statement and `commit`; a
//! transaction dropped uncommitted rolls back. Each batch runs on
//! `spawn_blocking` (see the book's page "Files and databases"). The times
//! depend on the disk, so only the row counts and which way was faster print;
//! `cargo xtask bench` is the place for numbers.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Performance Tips" (1, batch operations)

use std::time::{Duration, Instant};

use anyhow::Context;
use rusqlite::Connection;
use tempfile::TempDir;
use tokio::task::spawn_blocking;

const INSERT: &str = "INSERT INTO users (name, email) VALUES (?1, ?2)";

/// `for record in records: await db.execute(...)`: SQLite commits each row.
fn insert_one_per_transaction(
    connection: &mut Connection,
    rows: &[(String, String)],
) -> rusqlite::Result<()> {
    let mut insert = connection.prepare(INSERT)?;
    for (name, email) in rows {
        insert.execute((name, email))?;
    }
    Ok(())
}

/// `await db.executemany(...)`: every row, then one commit.
fn insert_in_one_transaction(
    connection: &mut Connection,
    rows: &[(String, String)],
) -> rusqlite::Result<()> {
    let transaction = connection.transaction()?;
    {
        let mut insert = transaction.prepare(INSERT)?;
        for (name, email) in rows {
            insert.execute((name, email))?;
        }
    }
    transaction.commit()
}

/// A connection and the directory its file is in. Fields drop in order, so
/// the connection is closed before the directory is removed.
struct Database {
    connection: Connection,
    _directory: TempDir,
}

type Insert = fn(&mut Connection, &[(String, String)]) -> rusqlite::Result<()>;

/// Runs `insert` on the blocking pool and hands the connection back, with
/// the time the inserts took.
async fn timed_insert(
    mut database: Database,
    rows: Vec<(String, String)>,
    insert: Insert,
) -> anyhow::Result<(Database, Duration)> {
    let (database, result, took) = spawn_blocking(move || {
        let start = Instant::now();
        let result = insert(&mut database.connection, &rows);
        (database, result, start.elapsed())
    })
    .await
    .context("the inserts panicked")?;
    result.context("inserting the users failed")?;
    Ok((database, took))
}

async fn count(database: Database, pattern: &'static str) -> anyhow::Result<(Database, i64)> {
    let (database, result) = spawn_blocking(move || {
        let result = database.connection.query_row(
            "SELECT COUNT(*) FROM users WHERE name LIKE ?1",
            [pattern],
            |row| row.get(0),
        );
        (database, result)
    })
    .await
    .context("the count panicked")?;
    Ok((database, result.context("counting the users failed")?))
}

pub async fn run() -> anyhow::Result<()> {
    let directory = tempfile::tempdir().context("cannot create a temporary directory")?;
    let database = spawn_blocking(move || {
        let connection = Connection::open(directory.path().join("users.db"))?;
        connection.execute_batch(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT UNIQUE)",
        )?;
        Ok::<_, rusqlite::Error>(Database {
            connection,
            _directory: directory,
        })
    })
    .await
    .context("opening the database panicked")?
    .context("cannot create the users database")?;

    let (database, per_row) =
        timed_insert(database, users("single"), insert_one_per_transaction).await?;
    let (database, rows) = count(database, "single-%").await?;
    println!("One transaction per row: inserted {rows} rows");

    let (database, batched) =
        timed_insert(database, users("batch"), insert_in_one_transaction).await?;
    let (_database, rows) = count(database, "batch-%").await?;
    println!("One transaction for all: inserted {rows} rows");

    println!(
        "One transaction was faster than one per row: {}",
        batched < per_row
    );
    Ok(())
}

// The demonstration's rows.

const ROWS: usize = 200;

fn users(batch: &str) -> Vec<(String, String)> {
    (0..ROWS)
        .map(|i| (format!("{batch}-{i}"), format!("{batch}-{i}@example.com")))
        .collect()
}
