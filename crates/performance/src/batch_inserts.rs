//! Batching database writes: 200 inserts in one transaction, not one per row.
//!
//! What makes the guide's `executemany` fast is the transaction: its `execute`
//! commits every call, each commit writing its journal and syncing the disk.
//! In Rust that is `Connection::transaction`, one prepared statement and
//! `commit` (dropped uncommitted, it rolls back), on `spawn_blocking`.
//!
//! Needs: `rusqlite/hooks`
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Performance Tips" (1, batch operations)

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Context;
use rusqlite::Connection;
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::spawn_blocking;

const INSERT: &str = "INSERT INTO users (name, email) VALUES (?1, ?2)";

/// `for record in records: await db.execute(...)`, where `db.execute` commits,
/// as the guide's `AsyncSQLiteWrapper` does: each row is a transaction. A
/// rusqlite `Connection` is in autocommit mode, so each `execute` here is one.
/// (One Python `sqlite3` or `aiosqlite` connection would instead open a
/// transaction at the first `INSERT` and commit nothing until `commit()`.)
fn insert_one_per_transaction(
    connection: &mut Connection,
    rows: &[(String, String)],
    caller_gone: &dyn Fn() -> bool,
) -> rusqlite::Result<()> {
    let mut insert = connection.prepare(INSERT)?;
    for (name, email) in rows {
        if caller_gone() {
            break; // the rows so far are committed: each was its own transaction
        }
        insert.execute((name, email))?;
    }
    Ok(())
}

/// `await db.executemany(...)`: every row, then one commit.
fn insert_in_one_transaction(
    connection: &mut Connection,
    rows: &[(String, String)],
    caller_gone: &dyn Fn() -> bool,
) -> rusqlite::Result<()> {
    let transaction = connection.transaction()?;
    {
        let mut insert = transaction.prepare(INSERT)?;
        for (name, email) in rows {
            if caller_gone() {
                return Ok(()); // `transaction` drops uncommitted: none of the rows stay
            }
            insert.execute((name, email))?;
        }
    }
    transaction.commit()
}

/// A connection, the directory its file is in and its commits so far.
/// Fields drop in order, so the connection is closed before the directory
/// is removed.
struct Database {
    connection: Connection,
    _directory: TempDir,
    commits: Arc<AtomicUsize>,
}

type Insert = fn(
    &mut Connection,
    &[(String, String)],
    caller_gone: &dyn Fn() -> bool,
) -> rusqlite::Result<()>;

/// Runs `insert` on the blocking pool, which Tokio can't stop, and hands the
/// connection back, with the number of transactions the inserts committed. The result comes back
/// on a oneshot rather than the `JoinHandle`, because a dropped receiver is
/// something the blocking job can see: if this future is dropped, the job
/// stops at the next row and the connection closes on the blocking thread.
async fn insert_counting_commits(
    mut database: Database,
    rows: Vec<(String, String)>,
    insert: Insert,
) -> anyhow::Result<(Database, usize)> {
    let (reply, result) = oneshot::channel();
    spawn_blocking(move || {
        let result = insert(&mut database.connection, &rows, &|| reply.is_closed());
        let _ = reply.send((database, result)); // Err: the caller is gone, nobody to tell
    });
    let (database, result) = result.await.context("the inserts panicked")?;
    result.context("inserting the users failed")?;
    let commits = database.commits.swap(0, Ordering::SeqCst);
    Ok((database, commits))
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
        let mut connection = Connection::open(directory.path().join("users.db"))?;
        connection.execute_batch(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT UNIQUE)",
        )?;
        let commits = count_commits(&mut connection)?;
        Ok::<_, rusqlite::Error>(Database {
            connection,
            _directory: directory,
            commits,
        })
    })
    .await
    .context("opening the database panicked")?
    .context("cannot create the users database")?;

    let (database, commits) =
        insert_counting_commits(database, users("single"), insert_one_per_transaction).await?;
    let (database, rows) = count(database, "single-%").await?;
    println!("One transaction per row: inserted {rows} rows, committed {commits} transactions");

    let (database, commits) =
        insert_counting_commits(database, users("batch"), insert_in_one_transaction).await?;
    let (_database, rows) = count(database, "batch-%").await?;
    println!("One transaction for all: inserted {rows} rows, committed {commits} transaction");
    Ok(())
}

// The demonstration's rows.

const ROWS: usize = 200;

fn users(batch: &str) -> Vec<(String, String)> {
    (0..ROWS)
        .map(|i| (format!("{batch}-{i}"), format!("{batch}-{i}@example.com")))
        .collect()
}

/// Counts each transaction `connection` commits, through SQLite's commit
/// hook: the cost that batching saves, which a timing shows only on a disk
/// that syncs slowly. Times depend on the disk, so none print.
fn count_commits(connection: &mut Connection) -> rusqlite::Result<Arc<AtomicUsize>> {
    let commits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&commits);
    connection.commit_hook(Some(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        false // `true` would turn the commit into a rollback
    }))?;
    Ok(commits)
}
