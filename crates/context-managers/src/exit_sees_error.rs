//! A scoped helper sees the body's `Result`, as `__aexit__` sees the exception.
//!
//! Python hands `__aexit__` the exception; here the helper matches on the
//! body's `Result`: commit on `Ok`, roll back on `Err`, and return it unchanged
//! (`return False`). A panic or a cancellation needs no code: the pending rows
//! are dropped with the `Transaction`.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Basic Async Context Managers" (`if exc_type:` in `__aexit__`)
//! - *Python Async Programming: A Detailed Guide*,
//!   "Defining Async Context Managers" (`return False`)

use std::fmt::Display;
use std::time::Duration;

use tokio::time::sleep;

/// The committed rows.
#[derive(Default)]
struct Table {
    rows: Vec<String>,
}

/// An open transaction: its rows are not in the table until it commits.
struct Transaction<'a> {
    table: &'a Table,
    pending: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
enum InsertError {
    #[error("duplicate row {0:?}")]
    Duplicate(String),
}

impl Transaction<'_> {
    async fn insert(&mut self, row: &str) -> Result<(), InsertError> {
        sleep(Duration::from_millis(100)).await;
        if self
            .table
            .rows
            .iter()
            .chain(&self.pending)
            .any(|r| r == row)
        {
            return Err(InsertError::Duplicate(row.to_owned()));
        }
        println!("INSERT {row}");
        self.pending.push(row.to_owned());
        Ok(())
    }
}

/// Runs `body` in a transaction on `table`: `__aenter__` is BEGIN, and
/// `__aexit__` is COMMIT or ROLLBACK depending on how the body ended. A panic
/// or a cancellation never reaches this code. The body's `Result` comes back
/// unchanged; a helper that swallowed errors would say so in its return type.
async fn transaction<T, E: Display>(
    table: &mut Table,
    body: impl AsyncFnOnce(&mut Transaction<'_>) -> Result<T, E>,
) -> Result<T, E> {
    println!("BEGIN");
    let mut tx = Transaction {
        table,
        pending: Vec::new(),
    };
    let result = body(&mut tx).await;
    let pending = tx.pending;

    sleep(Duration::from_millis(100)).await;
    match &result {
        Ok(_) => {
            println!("COMMIT");
            table.rows.extend(pending);
        }
        Err(error) => {
            println!("Exception occurred: {error}");
            println!("ROLLBACK, discarding {pending:?}");
        }
    }
    result
}

pub async fn run() {
    let mut table = Table::default();

    let result = transaction(&mut table, async |tx| {
        tx.insert("alice").await?;
        tx.insert("bob").await?;
        Ok::<_, InsertError>(())
    })
    .await;
    println!("Result: {result:?}");
    println!("Rows: {:?}", table.rows);

    println!();
    let result = transaction(&mut table, async |tx| {
        tx.insert("carol").await?;
        tx.insert("alice").await?;
        Ok::<_, InsertError>(())
    })
    .await;
    println!("Result: {result:?}");
    println!("Rows: {:?}", table.rows);
    assert_eq!(
        table.rows,
        ["alice", "bob"],
        "the failed transaction left nothing behind"
    );
}
