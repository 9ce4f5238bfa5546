//! Async cleanup is an explicit `close(self)`; `Drop` warns if it was skipped.
//!
//! `Drop` can't await, so the guide's `disconnect()` in `__aexit__` becomes a
//! method the caller awaits; taking `self` makes a query after `close` a
//! compile error. Nothing forces the call (`?`, an early return, a
//! cancellation skip it), so `Drop` says when it was skipped.
//!
//! Translates:
//! - *Python Async/Await*, "Database Connection"
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Basic Async Context Managers" (the
//!   `aiofiles` half, with `tokio::fs` in a temporary directory)

use std::io;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tempfile::TempDir;
use tokio::fs::File;
use tokio::io::{AsyncWriteExt, BufWriter};
use tokio::time::sleep;

struct Database {
    name: &'static str,
    closed: bool,
}

#[derive(Debug, thiserror::Error)]
#[error("query failed: {0}")]
struct QueryError(String);

impl Database {
    async fn connect(name: &'static str) -> Database {
        sleep(Duration::from_secs(1)).await;
        println!("Connected to {name}");
        Database {
            name,
            closed: false,
        }
    }

    async fn query(&self, sql: &str) -> Result<String, QueryError> {
        sleep(Duration::from_millis(500)).await;
        if sql.contains("missing_table") {
            return Err(QueryError(format!("no such table in {sql:?}")));
        }
        Ok(format!("Result of {sql}"))
    }

    /// `__aexit__`: the caller awaits it, and can't use the connection after.
    async fn close(mut self) {
        sleep(Duration::from_secs(1)).await;
        println!("Disconnected from {}", self.name);
        self.closed = true;
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if !self.closed {
            println!(
                "warning: connection to {} dropped without close(); it was not shut down cleanly",
                self.name
            );
        }
    }
}

/// Runs the queries, and closes the connection whatever they return: the
/// fallible part is a separate call, so its `?` can't skip the `close`.
async fn report(sql: &[&str]) -> Result<(), QueryError> {
    let db = Database::connect("database").await;
    let result = run_queries(&db, sql).await;
    db.close().await;
    result
}

async fn run_queries(db: &Database, sql: &[&str]) -> Result<(), QueryError> {
    for statement in sql {
        println!("{}", db.query(statement).await?);
    }
    Ok(())
}

/// The mistake the fallback exists for: `?` returns before `close`.
async fn report_forgetting_close(sql: &str) -> Result<(), QueryError> {
    let db = Database::connect("database").await;
    println!("{}", db.query(sql).await?);
    db.close().await;
    Ok(())
}

/// `File::create` with the job holding `dir` until the file exists: a
/// blocking job runs to its end even if this future is dropped first.
async fn create_in(dir: &Arc<TempDir>, name: &'static str) -> io::Result<File> {
    let dir = Arc::clone(dir);
    let file =
        tokio::task::spawn_blocking(move || std::fs::File::create(dir.path().join(name))).await??;
    Ok(File::from_std(file))
}

/// Tokio's `BufWriter` has the same shape: `flush().await` writes the buffer
/// out, and data never flushed is lost when it is dropped.
async fn write_greeting(dir: &Arc<TempDir>, name: &'static str, flush: bool) -> io::Result<()> {
    let mut writer = BufWriter::new(create_in(dir, name).await?);
    writer.write_all(b"Hello, async world!").await?;
    if flush {
        // Where a write error would show up: a `Drop` could only swallow it.
        writer.flush().await?;
    }
    Ok(())
    // `writer` is dropped here: the file is closed, and an unflushed buffer
    // is thrown away.
}

pub async fn run() -> anyhow::Result<()> {
    report(&["SELECT * FROM users"]).await?;

    println!();
    if let Err(error) = report(&["SELECT * FROM missing_table"]).await {
        println!("Error: {error}");
    }

    println!();
    if let Err(error) = report_forgetting_close("SELECT * FROM missing_table").await {
        println!("Error: {error}");
    }

    println!();
    let dir = Arc::new(tempfile::tempdir().context("cannot create a temporary directory")?);
    let name = "example.txt";
    let path = dir.path().join(name);
    let write = || format!("cannot write {}", path.display());
    let read = || format!("cannot read {}", path.display());

    write_greeting(&dir, name, false)
        .await
        .with_context(write)?;
    let content = tokio::fs::read_to_string(&path).await.with_context(read)?;
    println!("File content without flush(): {content:?}");

    write_greeting(&dir, name, true).await.with_context(write)?;
    let content = tokio::fs::read_to_string(&path).await.with_context(read)?;
    println!("File content: {content}");
    Ok(())
}
