//! A pool of real SQLite connections to a database file, shared by
//! concurrent workers, and transactions that commit whole or roll back
//! whole.
//!
//! The guide's `AsyncDatabaseManager` hands out fake connections from a queue.
//! Here a Tokio `Semaphore` bounds the open connections, in the order callers
//! asked, and the guard gives one back only when its operation finished, its
//! transaction rolled back if left open. An `acquire` kept alive but no longer
//! polled holds up those behind it; `run` takes its place in line where it is
//! called, then waits and does the whole operation in a task of its own,
//! which the runtime polls (the book's page "Limiting concurrency").
//! Transactions are rusqlite's, begun `IMMEDIATE` on a database in WAL mode,
//! so that two that read, then write, take turns instead of one failing at
//! once; the row counts prove them (the book's page "Files and databases").
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Database Integration Patterns" (`AsyncDatabaseManager`)
//! - *Asynchronous Programming in Python*, "Database Operations (aiomysql)"

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::Poll;
use std::time::Duration;

use futures::future::{join_all, try_join_all};
use rusqlite::types::Value;
use rusqlite::{
    Connection, OptionalExtension, Row, Transaction, TransactionBehavior, params, params_from_iter,
};
use tempfile::TempDir;
use tokio::sync::{AcquireError, OwnedSemaphorePermit, Semaphore, oneshot};
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
    #[error("the pool is closed")]
    Closed(#[from] AcquireError),
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
    /// A permit for each connection the pool may have open: idle, on loan,
    /// or busy in an abandoned operation.
    permits: Arc<Semaphore>,
    idle: Mutex<Vec<Connection>>,
    opened: AtomicUsize,
    /// Removed when the last share of the pool is dropped, after the idle
    /// connections above are closed (fields drop in declaration order).
    _dir: TempDir,
}

impl Shared {
    /// Pushing and popping cannot leave the list half-changed, so a panic
    /// elsewhere while it was locked does not make it unusable.
    fn idle(&self) -> MutexGuard<'_, Vec<Connection>> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let connection = Connection::open(&self.path)?;
        // Wait up to 5 s for another connection's lock before failing with
        // SQLITE_BUSY. rusqlite's default is the same today, but it says the
        // default may change, so the pool states what it relies on.
        connection.busy_timeout(Duration::from_secs(5))?;
        // Readers then go on while one connection writes, where SQLite's
        // default journal makes a commit wait for every reader. The mode is
        // kept in the file: after the first connection, this changes nothing.
        connection.pragma_update(None, "journal_mode", "WAL")?;
        self.opened.fetch_add(1, Ordering::Relaxed);
        Ok(connection)
    }
}

/// A connection, a share of the pool, and its permit. They travel together,
/// so a connection still busy in an abandoned operation keeps its permit;
/// it is closed before the directory is removed, and the permit goes back
/// last (fields drop in order), so a caller holding every permit knows that
/// no operation still holds the pool.
struct Slot {
    connection: Connection,
    pool: Arc<Shared>,
    permit: OwnedSemaphorePermit,
}

/// A connection on loan from the pool.
struct PooledConnection {
    /// `None` while an operation has it, and for good once one was abandoned.
    slot: Option<Slot>,
}

impl Drop for PooledConnection {
    fn drop(&mut self) {
        // The slot is here only if every operation on it finished, and `run`
        // never leaves a transaction open, so the connection is in a known
        // state. Without it there is nothing to return: the connection is
        // closed where the abandoned operation drops it.
        if let Some(Slot {
            connection,
            permit,
            pool,
        }) = self.slot.take()
        {
            pool.idle().push(connection);
            drop(pool);
            // Only now is there room: the caller it lets in finds the
            // connection idle.
            drop(permit);
        }
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
            // One that won't roll back is closed here, its permit with it.
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
            // A Tokio semaphore panics past `MAX_PERMITS` (2^61 - 1 on 64
            // bits); opening the connections fails long before.
            permits: Arc::new(Semaphore::new(size.min(Semaphore::MAX_PERMITS))),
            idle: Mutex::default(),
            opened: AtomicUsize::new(0),
            _dir: dir,
        });
        // Each connection goes into the pool as soon as it is open, so none
        // outlives the job's share of the directory.
        let opening = Arc::clone(&shared);
        spawn_blocking(move || {
            for _ in 0..size {
                let connection = opening.open()?;
                opening.idle().push(connection);
            }
            Ok::<_, rusqlite::Error>(())
        })
        .await??;
        println!("Initialized pool with {} connections", shared.idle().len());
        Ok(Self { shared })
    }

    /// The guide's `get_connection`, and aiomysql's `pool.acquire()`: waits
    /// for room, then takes an idle connection or, if the pool has closed
    /// one, opens a fresh one.
    async fn acquire(&self) -> Result<PooledConnection, DbError> {
        let permit = Arc::clone(&self.shared.permits).acquire_owned().await?;
        self.connection_for(permit).await
    }

    /// An idle connection, or a fresh one, for the room `permit` holds.
    async fn connection_for(
        &self,
        permit: OwnedSemaphorePermit,
    ) -> Result<PooledConnection, DbError> {
        let pool = Arc::clone(&self.shared);
        let idle = pool.idle().pop();
        let slot = match idle {
            Some(connection) => Slot {
                connection,
                permit,
                pool,
            },
            None => {
                // The permit goes along, so a connection whose caller left
                // while it was being opened counts until it is closed.
                spawn_blocking(move || {
                    let connection = pool.open()?;
                    Ok::<_, rusqlite::Error>(Slot {
                        connection,
                        permit,
                        pool,
                    })
                })
                .await??
            }
        };
        Ok(PooledConnection { slot: Some(slot) })
    }

    /// The guide's `execute_query`: one operation on whichever connection is
    /// free. The caller takes its place in line when first polled, so
    /// callers are served in the order they asked; the wait, and the
    /// operation, go on in a task of its own, which the runtime polls, so a
    /// caller that stops polling holds up no one behind it, and keeps no
    /// connection. Dropping the future aborts the task.
    async fn run<T, F>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        // In line here, not in the task: a task spawned from a worker of the
        // multi-thread runtime is polled before those spawned earlier, and
        // would take its place first.
        let mut in_line = Box::pin(Arc::clone(&self.shared.permits).acquire_owned());
        let now = futures::poll!(in_line.as_mut());
        let pool = self.clone();
        let task = tokio::spawn(async move {
            let permit = match now {
                Poll::Ready(permit) => permit,
                Poll::Pending => in_line.await,
            }?;
            pool.connection_for(permit).await?.run(f).await
        });
        AbortOnDropHandle::new(task).await?
    }

    /// One transaction that writes: what `f` does is committed whole, or
    /// rolled back whole. `IMMEDIATE` takes the write lock at `BEGIN`,
    /// waiting for another writer under the busy timeout; a deferred one
    /// (rusqlite's default) that has read, then writes while another
    /// connection writes, fails at once (the book's page "Files and
    /// databases").
    async fn write_transaction<T, F>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&Transaction<'_>) -> rusqlite::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        self.run(move |connection| {
            let transaction =
                connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let output = f(&transaction)?;
            transaction.commit()?;
            Ok(output)
        })
        .await
    }

    /// The guide's `execute_transaction`: every statement, or none.
    async fn execute_transaction(
        &self,
        statements: Vec<(&'static str, Vec<Value>)>,
    ) -> Result<(), DbError> {
        println!("Starting transaction with {} queries", statements.len());
        let outcome = self
            .write_transaction(move |transaction| {
                for (sql, values) in &statements {
                    transaction.execute(sql, params_from_iter(values))?;
                }
                Ok(())
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
    // The abandoned query now ends and drops its connection and permit.
    let _ = go_on.send(());
    Ok(())
}

impl Pool {
    fn idle_count(&self) -> usize {
        self.shared.idle().len()
    }

    fn opened(&self) -> usize {
        self.shared.opened.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use std::future::{Future, poll_fn};
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

    /// Two transactions that read, then write, at once: each waits up to
    /// 200 ms for the other to have read before it writes. Both commit, one
    /// after the other, so the second reads the first's row. (Deferred, both
    /// read, and the one that writes second fails at once, "database is
    /// locked", its busy timeout unused.)
    #[tokio::test]
    async fn two_transactions_that_read_then_write_both_commit() {
        let pool = Pool::open(2).await.unwrap();
        pool.run(|db| db.execute_batch("CREATE TABLE t (n INTEGER)"))
            .await
            .unwrap();
        let reads = Arc::new(AtomicUsize::new(0));
        let read_then_write = || {
            let reads = Arc::clone(&reads);
            pool.write_transaction(move |transaction| {
                let count: i64 =
                    transaction.query_row("SELECT count(*) FROM t", (), |row| row.get(0))?;
                reads.fetch_add(1, Ordering::Relaxed);
                let start = std::time::Instant::now();
                while reads.load(Ordering::Relaxed) < 2 && start.elapsed().as_millis() < 200 {
                    std::thread::sleep(Duration::from_millis(1));
                }
                transaction.execute("INSERT INTO t VALUES (?1)", [count])
            })
        };
        let (first, second) = tokio::join!(read_then_write(), read_then_write());
        assert_eq!((first.unwrap(), second.unwrap()), (1, 1));
        let counts_seen: Vec<i64> = pool
            .run(|db| {
                let mut select = db.prepare("SELECT n FROM t ORDER BY n")?;
                let rows = select.query_map((), |row| row.get(0))?;
                rows.collect()
            })
            .await
            .unwrap();
        assert_eq!(counts_seen, [0, 1]);
    }

    /// A writer commits while another connection holds a read transaction
    /// open, which still sees what it saw: WAL mode. (In SQLite's default
    /// journal, the commit waits for the reader to end.)
    #[tokio::test]
    async fn a_writer_commits_while_a_reader_reads() {
        let pool = Pool::open(2).await.unwrap();
        pool.run(|db| db.execute_batch("CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1);"))
            .await
            .unwrap();
        let (reading, read) = oneshot::channel();
        let (committed, commit_seen) = std::sync::mpsc::channel();
        let count = |transaction: &Transaction<'_>| {
            transaction.query_row("SELECT count(*) FROM t", (), |row| row.get::<_, i64>(0))
        };
        let reader = pool.run(move |db| {
            let transaction = db.transaction()?;
            let before = count(&transaction)?;
            let _ = reading.send(());
            // Only a commit that waits for this reader to end (SQLite's default
            // journal) runs out this bound: its busy timeout (5 s) is shorter.
            let writer_committed = commit_seen.recv_timeout(Duration::from_secs(30)).is_ok();
            Ok((writer_committed, before, count(&transaction)?))
        });
        let writer = async {
            read.await.unwrap();
            let insert =
                |transaction: &Transaction<'_>| transaction.execute("INSERT INTO t VALUES (2)", []);
            pool.write_transaction(insert).await.unwrap();
            committed.send(()).unwrap();
        };
        let (seen, ()) = tokio::join!(reader, writer);
        assert_eq!(seen.unwrap(), (true, 1, 1));
    }

    /// With one connection: a call polled once while the connection is
    /// busy, then neither polled again nor dropped. Its operation runs all
    /// the same, which only the task `run` spawns can do, and the calls
    /// after it still run.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_stalls_no_other_caller() {
        let pool = Pool::open(1).await.unwrap();
        let (release, released) = std::sync::mpsc::channel::<()>();
        let mut busy = pin!(pool.run(move |_| Ok(released.recv())));
        assert!(futures::poll!(busy.as_mut()).is_pending());
        let held_ran = Arc::new(AtomicUsize::new(0));
        let mut held = pin!(pool.run({
            let held_ran = Arc::clone(&held_ran);
            move |_| Ok(held_ran.fetch_add(1, Ordering::Relaxed))
        }));
        assert!(futures::poll!(held.as_mut()).is_pending());
        release.send(()).unwrap();
        busy.await.unwrap().unwrap();
        let query = |db: &mut Connection| db.query_row("SELECT 2", (), |row| row.get::<_, i64>(0));
        let others = timeout(Duration::from_secs(10), pool.run(query)).await;
        assert_eq!(others.expect("the others wait for ever").unwrap(), 2);
        // Served first, in the order asked, while nothing polled its caller.
        assert_eq!(held_ran.load(Ordering::Relaxed), 1);
    }

    /// With one connection: an `acquire` polled once, then kept but no
    /// longer polled (a `select!` over `&mut acquire` whose other branch
    /// won), is handed the connection when it comes back, and every caller
    /// behind it waits until it is dropped. Both fixes at the call site
    /// work: a `select!` that owns its `acquire` drops it when the other
    /// branch wins, and a spawned one (what `Pool::run` does) is polled by
    /// the runtime.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_in_acquire_stalls_the_others_until_dropped_or_spawned() {
        let pool = Pool::open(1).await.unwrap();
        let patience = Duration::from_secs(10);
        let first = pool.acquire().await.unwrap();
        let mut held = Box::pin(pool.acquire());
        tokio::select! {
            _ = &mut held => unreachable!("the pool is full"),
            () = tokio::time::sleep(Duration::from_millis(10)) => {}
        }
        drop(first);
        assert!(timeout(patience, pool.acquire()).await.is_err(), "no stall");
        drop(held);
        timeout(patience, pool.acquire()).await.unwrap().unwrap();

        // Fix 1: `select!` owns the `acquire`, and drops it when the timer wins.
        let first = pool.acquire().await.unwrap();
        tokio::select! {
            _ = pool.acquire() => unreachable!("the pool is full"),
            () = tokio::time::sleep(Duration::from_millis(10)) => {}
        }
        drop(first);
        timeout(patience, pool.acquire()).await.unwrap().unwrap();

        // Fix 2: `run` acquires in a task of its own.
        let first = pool.acquire().await.unwrap();
        let mut spawned = pin!(pool.run(|db| db.execute_batch("SELECT 1")));
        assert!(futures::poll!(spawned.as_mut()).is_pending());
        // The task `run` spawned is now in line, and this one behind it.
        tokio::time::sleep(Duration::from_millis(10)).await;
        drop(first);
        timeout(patience, pool.acquire()).await.unwrap().unwrap();
        spawned.await.unwrap();
    }

    /// Spawning spares the callers behind a held one only when the task does
    /// the whole use, as `run`'s does: a spawned `acquire` hands its
    /// connection to a `JoinHandle`, which keeps it as surely as a held
    /// `acquire` until polled or dropped.
    #[tokio::test(start_paused = true)]
    async fn spawn_the_use_not_the_get() {
        let pool = Pool::open(1).await.unwrap();
        let first = pool.acquire().await.unwrap();
        let spawned_get = AbortOnDropHandle::new(tokio::spawn({
            let pool = pool.clone();
            async move { pool.acquire().await }
        }));
        tokio::task::yield_now().await;
        drop(first);
        let patience = Duration::from_secs(5);
        let query = |db: &mut Connection| db.execute_batch("SELECT 1");
        assert!(
            timeout(patience, pool.run(query)).await.is_err(),
            "the connection waits in the handle nobody polls"
        );
        drop(spawned_get);
        timeout(patience, pool.run(query)).await.unwrap().unwrap();
    }

    /// A task that takes the connection in a loop, and one other caller:
    /// each of its five `acquire`s is served within half a second.
    #[tokio::test(start_paused = true)]
    async fn a_looping_holder_does_not_starve_a_waiter() {
        let pool = Pool::open(1).await.unwrap();
        let _holder = AbortOnDropHandle::new(tokio::spawn({
            let pool = pool.clone();
            async move {
                loop {
                    let connection = pool.acquire().await.unwrap();
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    drop(connection);
                }
            }
        }));
        tokio::task::yield_now().await;
        let mut timed_out = 0;
        for _ in 0..5 {
            match timeout(Duration::from_millis(500), pool.acquire()).await {
                Ok(connection) => drop(connection.unwrap()),
                Err(_) => timed_out += 1,
            }
        }
        assert_eq!(timed_out, 0, "{timed_out} of 5 acquires starved");
    }

    /// Five callers queue in turn for the connection of a pool of one, then
    /// it comes back and a sixth arrives: the order they got it in.
    async fn order_served(pool: &Pool) -> Vec<usize> {
        let first = pool.acquire().await.unwrap();
        let order = Arc::new(Mutex::new(Vec::new()));
        let caller = |id: usize| {
            let (pool, order) = (pool.clone(), Arc::clone(&order));
            async move {
                let connection = pool.acquire().await.unwrap();
                order.lock().unwrap().push(id);
                tokio::task::yield_now().await;
                drop(connection);
            }
        };
        let mut callers = Vec::new();
        for id in 0..5 {
            // Polled once here, so that it is in line before the next.
            let mut queued = Box::pin(caller(id));
            assert!(futures::poll!(queued.as_mut()).is_pending());
            callers.push(AbortOnDropHandle::new(tokio::spawn(queued)));
        }
        drop(first);
        callers.push(AbortOnDropHandle::new(tokio::spawn(caller(5))));
        for caller in callers {
            caller.await.unwrap();
        }
        Arc::try_unwrap(order).unwrap().into_inner().unwrap()
    }

    async fn runs_served_in_order() -> usize {
        let pool = Pool::open(1).await.unwrap();
        let mut in_order = 0;
        for _ in 0..40 {
            in_order += usize::from(order_served(&pool).await == [0, 1, 2, 3, 4, 5]);
        }
        in_order
    }

    #[tokio::test(start_paused = true)]
    async fn the_longest_waiter_gets_the_next_connection_fifo() {
        assert_eq!(runs_served_in_order().await, 40);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_longest_waiter_gets_the_next_connection_fifo_on_the_multi_thread_runtime() {
        assert_eq!(runs_served_in_order().await, 40);
    }

    /// Five `run`s asked in turn while the one connection is taken, each
    /// polled once where it was asked, then left to a task: the order their
    /// operations ran in.
    async fn order_run(pool: &Pool) -> Vec<usize> {
        let first = pool.acquire().await.unwrap();
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut callers = Vec::new();
        for id in 0..5 {
            let (pool, order) = (pool.clone(), Arc::clone(&order));
            let mut asked = Box::pin(async move {
                let record = move |_: &mut Connection| {
                    order.lock().unwrap().push(id);
                    Ok(())
                };
                pool.run(record).await
            });
            assert!(futures::poll!(asked.as_mut()).is_pending());
            callers.push(AbortOnDropHandle::new(tokio::spawn(asked)));
        }
        drop(first);
        for caller in callers {
            caller.await.unwrap().unwrap();
        }
        Arc::try_unwrap(order).unwrap().into_inner().unwrap()
    }

    /// `run`, the pool's main entry point, serves in the order asked on
    /// both runtimes, 40 rounds of five callers each.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn run_serves_in_the_order_asked_on_the_multi_thread_runtime() {
        let pool = Pool::open(1).await.unwrap();
        for _ in 0..40 {
            assert_eq!(order_run(&pool).await, [0, 1, 2, 3, 4]);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn run_serves_in_the_order_asked() {
        let pool = Pool::open(1).await.unwrap();
        for _ in 0..40 {
            assert_eq!(order_run(&pool).await, [0, 1, 2, 3, 4]);
        }
    }

    /// Polls `future`, counting each poll in `polls`.
    async fn counting_polls<F: Future>(polls: Arc<AtomicUsize>, future: F) -> F::Output {
        let mut future = pin!(future);
        poll_fn(|cx| {
            polls.fetch_add(1, Ordering::Relaxed);
            future.as_mut().poll(cx)
        })
        .await
    }

    /// `callers` wait for the one connection, each holding it across a
    /// yield once it has it: the polls of their `acquire`s, per caller
    /// served.
    async fn polls_per_hand_off(callers: usize) -> f64 {
        let pool = Pool::open(1).await.unwrap();
        let first = pool.acquire().await.unwrap();
        let polls = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..callers)
            .map(|_| {
                let (pool, polls) = (pool.clone(), Arc::clone(&polls));
                AbortOnDropHandle::new(tokio::spawn(async move {
                    let connection = counting_polls(polls, pool.acquire()).await.unwrap();
                    tokio::task::yield_now().await;
                    drop(connection);
                }))
            })
            .collect();
        while polls.load(Ordering::Relaxed) < callers {
            tokio::task::yield_now().await;
        }
        drop(first);
        for task in tasks {
            task.await.unwrap();
        }
        polls.load(Ordering::Relaxed) as f64 / callers as f64
    }

    #[tokio::test(start_paused = true)]
    async fn polls_per_hand_off_stay_bounded_as_waiters_grow() {
        let mut per_hand_off = Vec::new();
        for callers in [10, 100, 1000] {
            per_hand_off.push(polls_per_hand_off(callers).await);
        }
        assert!(
            per_hand_off.iter().all(|&polls| polls <= 3.0),
            "{per_hand_off:?}"
        );
    }
}
