//! A pool of real SQLite connections: at most N open, reused between
//! callers, returned on drop, with a timeout for getting one, and closed
//! instead of returned when a call on it was cancelled or panicked.
//!
//! A Tokio `Semaphore` holds a permit for each connection the pool may have
//! open; `get` takes one, in the order callers asked, then an idle
//! connection or a new one, and the guard puts the connection back before
//! its permit. Queries run on the blocking pool, which rolls back what one
//! left open and closes a connection whose caller gave up mid-query. The
//! price of the queue: a `get` kept alive but no longer polled keeps the
//! connection it was handed from everyone until it is dropped, and with a
//! pool of one, every caller behind it waits (the book's page "Limiting
//! concurrency").
//!
//! Translates:
//! - *Python Async/Await*, "Exercises" (exercise 2: "Implement an async
//!   connection pool for database operations")

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use futures::FutureExt;
use futures::future::{join_all, try_join_all};
use rusqlite::Connection;
use tokio::sync::{AcquireError, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinError;
use tokio::time::{Instant, sleep, timeout};

#[derive(Debug, thiserror::Error)]
enum PoolError {
    #[error("no connection became free within {0:?}")]
    Timeout(Duration),
    #[error("the pool is closed")]
    Closed(#[from] AcquireError),
    #[error(
        "the connection was lost: a previous call on it panicked, was cancelled or could not roll back"
    )]
    Lost,
    #[error("the call left a transaction open; it was rolled back")]
    OpenTransaction,
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database thread failed: {0}")]
    Thread(#[from] JoinError),
}

/// Opens a connection to the pool's database, on a blocking thread.
type Open = dyn Fn() -> rusqlite::Result<Connection> + Send + Sync;

struct SqlitePool {
    /// Shared with each open in flight and each connection checked out, so
    /// that what it holds (the demonstration's temporary directory) outlives
    /// every file they may create: a blocking job runs to its end even after
    /// its caller has gone.
    open: Arc<Open>,
    acquire_timeout: Duration,
    /// A permit for each connection the pool may have open: idle, checked
    /// out, or still closing on a blocking thread.
    permits: Arc<Semaphore>,
    idle: Arc<Mutex<Vec<Connection>>>,
    /// Only for the demonstration's check.
    stats: Arc<PoolStats>,
}

/// A checked-out connection; dropping it returns the connection to the pool.
struct PooledConnection {
    /// `None` only while a call is running on the blocking thread, or after
    /// one failed to bring the connection back.
    checked_out: Option<CheckedOut>,
    idle: Arc<Mutex<Vec<Connection>>>,
}

/// A connection and its permit. They travel together, to the blocking
/// thread and back, so a connection still open there after its caller left
/// keeps its permit until it is closed: at most `max_size` are ever open.
struct CheckedOut {
    connection: Connection,
    /// Dropped after the connection is closed, as fields drop in order.
    _opened_by: Arc<Open>,
    /// Counts the connection out until it is back or closed; dropped before
    /// the permit, as fields drop in order.
    lease: Lease,
    permit: OwnedSemaphorePermit,
}

/// Each change is a push or a pop, which cannot panic halfway, so the list
/// is whole even if another holder panicked.
fn lock(idle: &Mutex<Vec<Connection>>) -> MutexGuard<'_, Vec<Connection>> {
    idle.lock().unwrap_or_else(PoisonError::into_inner)
}

impl SqlitePool {
    /// A pool whose connections `open` opens: `move || Connection::open(&path)`.
    fn new(
        open: impl Fn() -> rusqlite::Result<Connection> + Send + Sync + 'static,
        max_size: NonZeroUsize,
        acquire_timeout: Duration,
    ) -> Self {
        // A Tokio semaphore holds at most `MAX_PERMITS` (2^61 - 1 on 64 bits)
        // and panics past it; no machine opens so many files.
        let max_size = max_size.get().min(Semaphore::MAX_PERMITS);
        Self {
            open: Arc::new(open),
            acquire_timeout,
            permits: Arc::new(Semaphore::new(max_size)),
            idle: Arc::default(),
            stats: Arc::default(),
        }
    }

    fn idle_count(&self) -> usize {
        lock(&self.idle).len()
    }

    /// A connection, waiting at most the pool's acquire timeout for one.
    async fn get(&self) -> Result<PooledConnection, PoolError> {
        self.get_within(self.acquire_timeout).await
    }

    /// A connection, waiting at most `wait` for one: for a caller whose own
    /// deadline is shorter than the pool's.
    async fn get_within(&self, wait: Duration) -> Result<PooledConnection, PoolError> {
        let permit = timeout(wait, Arc::clone(&self.permits).acquire_owned())
            .await
            .map_err(|_| PoolError::Timeout(wait))??;
        let lease = Lease::new(&self.stats);
        let reused = lock(&self.idle).pop();
        let checked_out = match reused {
            Some(connection) => CheckedOut {
                connection,
                _opened_by: Arc::clone(&self.open),
                lease,
                permit,
            },
            None => {
                let open = Arc::clone(&self.open);
                // The permit goes along: a caller cancelled during the open
                // leaves the connection to be closed there, still counted.
                let (connection, open, permit) =
                    tokio::task::spawn_blocking(move || (open(), open, permit)).await?;
                self.stats.opened_one();
                CheckedOut {
                    connection: connection?,
                    _opened_by: open,
                    lease,
                    permit,
                }
            }
        };
        Ok(PooledConnection {
            checked_out: Some(checked_out),
            idle: Arc::clone(&self.idle),
        })
    }
}

impl PooledConnection {
    /// Runs `query` on the connection, on Tokio's blocking thread pool.
    async fn run<T, F>(&mut self, query: F) -> Result<T, PoolError>
    where
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let mut checked_out = self.checked_out.take().ok_or(PoolError::Lost)?;
        let (checked_out, result) = tokio::task::spawn_blocking(move || {
            let result = query(&mut checked_out.connection).map_err(PoolError::from);
            // A transaction lives within one call. SQLite keeps one open
            // after a statement inside it fails, so a query that returned
            // early, or never committed, would hand the next caller a
            // connection mid-transaction, still holding its locks. Rolled
            // back here, on this thread; one that won't roll back is closed
            // here too, its permit with it.
            if checked_out.connection.is_autocommit() {
                return (Some(checked_out), result);
            }
            match checked_out.connection.execute_batch("ROLLBACK") {
                Ok(()) => (
                    Some(checked_out),
                    result.and(Err(PoolError::OpenTransaction)),
                ),
                Err(error) => {
                    drop(checked_out);
                    (None, result.and(Err(error.into())))
                }
            }
        })
        .await?;
        self.checked_out = checked_out;
        result
    }
}

impl Drop for PooledConnection {
    fn drop(&mut self) {
        if let Some(CheckedOut {
            connection,
            lease,
            permit,
            ..
        }) = self.checked_out.take()
        {
            lock(&self.idle).push(connection);
            drop(lease);
            // Only now is there room: the next caller finds the connection
            // idle.
            drop(permit);
        }
    }
}

async fn add_user(pool: &SqlitePool, name: String) -> Result<(), PoolError> {
    let mut conn = pool.get().await?;
    conn.run(move |db| db.execute("INSERT INTO users (name) VALUES (?1)", [&name]))
        .await?;
    // Some async work while holding the connection, as a request handler would.
    sleep(Duration::from_millis(100)).await;
    Ok(())
}

/// Checked when the program compiles: a zero would not build.
const POOL_SIZE: NonZeroUsize = NonZeroUsize::new(3).expect("a pool of at least one connection");
/// How long `get` waits for a connection: far above the eight inserts'
/// queue below, where the last waits for two others' turns, 0.2 s on an
/// idle machine and at times over a second on a busy one.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// The full pool's demonstration needs no more than this to see the
/// timeout: no connection comes back while all three are held.
const FULL_POOL_WAIT: Duration = Duration::from_millis(200);

pub async fn run() -> anyhow::Result<()> {
    // Removed with the opener: once the pool and every connection are gone,
    // a connection still opening or querying for a caller that gave up among
    // them.
    let dir = tempfile::tempdir().context("cannot create a temporary directory")?;
    let pool = SqlitePool::new(
        move || Connection::open(dir.path().join("app.db")),
        POOL_SIZE,
        ACQUIRE_TIMEOUT,
    );

    pool.get()
        .await?
        .run(|db| {
            db.execute_batch(
                "PRAGMA journal_mode = WAL;
                 CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);",
            )
        })
        .await?;

    let names = [
        "ada", "grace", "edsger", "barbara", "donald", "leslie", "tony", "niklaus",
    ];
    let inserts = names.map(|name| add_user(&pool, name.to_owned()));
    for result in join_all(inserts).await {
        result?;
    }

    let mut conn = pool.get().await?;
    let users = conn
        .run(|db| {
            let mut statement = db.prepare("SELECT name FROM users ORDER BY name")?;
            let names = statement.query_map([], |row| row.get::<_, String>(0))?;
            names.collect::<rusqlite::Result<Vec<_>>>()
        })
        .await?;
    println!("{} users: {}", users.len(), users.join(", "));
    drop(conn);

    let opened = pool.stats.opened();
    let peak = pool.stats.peak_in_use();
    println!(
        "{} queries used {opened} connections, at most {peak} at once",
        names.len() + 2
    );
    ensure!(
        opened <= POOL_SIZE.get() && peak <= POOL_SIZE.get(),
        "the pool went over its size"
    );

    println!();
    let held = join_all((0..3).map(|_| pool.get())).await;
    let start = Instant::now();
    let Err(error) = pool.get_within(FULL_POOL_WAIT).await else {
        bail!("a pool of three handed out a fourth connection");
    };
    println!(
        "[{:.1}s] With all three checked out: {error}",
        start.elapsed().as_secs_f64()
    );
    drop(held);
    pool.get().await?;
    println!("After they were returned, a connection was free again");

    println!();
    // A batch that fails halfway through its transaction: the second insert
    // breaks the UNIQUE constraint, and SQLite leaves the transaction open
    // with the first insert in it. Then one that never commits.
    let mut conn = pool.get().await?;
    let failed = conn
        .run(|db| {
            db.execute_batch(
                "BEGIN;
                 INSERT INTO users (name) VALUES ('zed');
                 INSERT INTO users (name) VALUES ('ada');
                 COMMIT;",
            )
        })
        .await;
    let Err(error) = failed else {
        bail!("a duplicate name was accepted");
    };
    println!("A transaction failed halfway: {error}");
    let uncommitted = conn
        .run(|db| db.execute_batch("BEGIN; INSERT INTO users (name) VALUES ('zed');"))
        .await;
    let Err(error) = uncommitted else {
        bail!("a call left a transaction open and the pool kept it");
    };
    println!("A transaction never committed: {error}");
    let (count, in_transaction) = conn
        .run(|db| {
            let count =
                db.query_row("SELECT count(*) FROM users", [], |row| row.get::<_, i64>(0))?;
            Ok((count, !db.is_autocommit()))
        })
        .await?;
    println!("Both rolled back: {count} users, and a transaction open: {in_transaction}");
    ensure!(
        count == 8 && !in_transaction,
        "a connection came back in an unknown state"
    );
    drop(conn);

    println!();
    let mut conn = pool.get().await?;
    // The query waits for `finish`, so it is certainly still running on the
    // blocking thread when its caller gives up: polled once and dropped, as a
    // timeout or a `select!` would drop it.
    let (finish, finished) = std::sync::mpsc::channel::<()>();
    let query = conn.run(move |db| {
        let _ = finished.recv();
        db.query_row("SELECT count(*) FROM users", [], |row| row.get::<_, i64>(0))
    });
    ensure!(query.now_or_never().is_none(), "the query was not running");
    // Lets the abandoned query end; its connection is closed on its thread.
    let _ = finish.send(());
    println!("A caller gave up mid-query; its connection will not come back");
    match conn.run(|db| db.execute_batch("SELECT 1")).await {
        Err(error) => println!("The next call through the same guard: {error}"),
        Ok(()) => bail!("a connection in an unknown state was used again"),
    }
    drop(conn);
    println!("Idle connections: {}", pool.idle_count());

    let opened_before = pool.stats.opened();
    let all_three = try_join_all((0..3).map(|_| pool.get())).await?;
    let fresh = pool.stats.opened() - opened_before;
    println!(
        "Three callers at once: two idle connections reused, {fresh} opened to replace the lost one"
    );
    ensure!(fresh == 1, "the pool opened {fresh} connections, not 1");
    drop(all_three);
    Ok(())
}

// What only proves the pool's limits: how many connections it opened, and
// the most it had out at once, counted by the connections themselves, not
// by the permits: a permit given back while its connection is still out
// would show here as one too many.

#[derive(Default)]
struct PoolStats {
    opened: AtomicUsize,
    in_use: AtomicUsize,
    peak_in_use: AtomicUsize,
}

/// One connection out of the pool, counted from when it is taken until it
/// is back in the pool or closed.
struct Lease(Arc<PoolStats>);

impl Lease {
    fn new(stats: &Arc<PoolStats>) -> Self {
        let in_use = stats.in_use.fetch_add(1, Ordering::SeqCst) + 1;
        stats.peak_in_use.fetch_max(in_use, Ordering::SeqCst);
        Lease(Arc::clone(stats))
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.0.in_use.fetch_sub(1, Ordering::SeqCst);
    }
}

impl PoolStats {
    fn opened_one(&self) {
        self.opened.fetch_add(1, Ordering::SeqCst);
    }

    fn opened(&self) -> usize {
        self.opened.load(Ordering::SeqCst)
    }

    fn peak_in_use(&self) -> usize {
        self.peak_in_use.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use std::future::{Future, poll_fn};
    use std::pin::pin;

    use futures::poll;
    use tempfile::TempDir;
    use tokio_util::task::AbortOnDropHandle;

    use super::*;

    fn pool_of(size: NonZeroUsize, acquire_timeout: Duration) -> (TempDir, Arc<SqlitePool>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.db");
        let pool = SqlitePool::new(move || Connection::open(&path), size, acquire_timeout);
        (dir, Arc::new(pool))
    }

    /// With one connection: a `get` polled once, then kept but no longer
    /// polled (a `select!` over `&mut get` whose other branch won), is
    /// handed the connection when it comes back, and every caller behind it
    /// times out until it is dropped. Both fixes at the call site work: a
    /// `select!` that owns its `get` drops it when the other branch wins,
    /// and a spawned `get` is polled by the runtime.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_stalls_the_others_until_dropped_or_spawned() {
        let (_dir, pool) = pool_of(NonZeroUsize::MIN, ACQUIRE_TIMEOUT);
        let first = pool.get().await.unwrap();
        let mut held = Box::pin(pool.get());
        tokio::select! {
            _ = &mut held => unreachable!("the pool is full"),
            () = sleep(Duration::from_millis(10)) => {}
        }
        drop(first);
        for _ in 0..3 {
            let stalled = pool.get().await;
            assert!(matches!(stalled, Err(PoolError::Timeout(_))), "no stall");
        }
        drop(held);
        drop(
            pool.get()
                .await
                .expect("the connection, once the held get is gone"),
        );

        // Fix 1: `select!` owns the `get`, and drops it when the timer wins.
        let first = pool.get().await.unwrap();
        tokio::select! {
            _ = pool.get() => unreachable!("the pool is full"),
            () = sleep(Duration::from_millis(10)) => {}
        }
        drop(first);
        drop(pool.get().await.expect("the connection"));

        // Fix 2: a spawned `get` takes its turn, and gives the connection back.
        let first = pool.get().await.unwrap();
        let spawned = AbortOnDropHandle::new(tokio::spawn({
            let pool = Arc::clone(&pool);
            async move { drop(pool.get().await) }
        }));
        sleep(Duration::from_millis(10)).await;
        drop(first);
        drop(
            pool.get()
                .await
                .expect("the connection, after the spawned caller"),
        );
        spawned.await.unwrap();
    }

    /// A task that takes the connection in a loop, and one other caller:
    /// each of its five `get`s is served within its timeout.
    #[tokio::test(start_paused = true)]
    async fn a_looping_holder_does_not_starve_a_waiter() {
        let (_dir, pool) = pool_of(NonZeroUsize::MIN, ACQUIRE_TIMEOUT);
        let _holder = AbortOnDropHandle::new(tokio::spawn({
            let pool = Arc::clone(&pool);
            async move {
                loop {
                    let conn = pool.get().await.unwrap();
                    sleep(Duration::from_millis(10)).await;
                    drop(conn);
                }
            }
        }));
        tokio::task::yield_now().await;
        let mut timed_out = 0;
        for _ in 0..5 {
            match pool.get().await {
                Ok(conn) => drop(conn),
                Err(PoolError::Timeout(_)) => timed_out += 1,
                Err(error) => panic!("{error}"),
            }
        }
        assert_eq!(timed_out, 0, "{timed_out} of 5 gets starved");
    }

    /// Five callers queue in turn for the one connection, then it is
    /// returned and a sixth arrives: the order they got it in.
    async fn order_served() -> Vec<usize> {
        let (_dir, pool) = pool_of(NonZeroUsize::MIN, Duration::from_secs(60));
        let first = pool.get().await.unwrap();
        let order = Arc::new(Mutex::new(Vec::new()));
        let caller = |id: usize| {
            let (pool, order) = (Arc::clone(&pool), Arc::clone(&order));
            async move {
                let conn = pool.get().await.unwrap();
                order.lock().unwrap().push(id);
                tokio::task::yield_now().await;
                drop(conn);
            }
        };
        let mut callers = Vec::new();
        for id in 0..5 {
            // Polled once here, so that it is in line before the next.
            let mut queued = Box::pin(caller(id));
            assert!(poll!(queued.as_mut()).is_pending());
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
        let mut in_order = 0;
        for _ in 0..40 {
            in_order += usize::from(order_served().await == [0, 1, 2, 3, 4, 5]);
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
    /// yield once it has it: the polls of their `get`s, per caller served.
    async fn polls_per_hand_off(callers: usize) -> f64 {
        let (_dir, pool) = pool_of(NonZeroUsize::MIN, Duration::from_secs(60));
        let first = pool.get().await.unwrap();
        let polls = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..callers)
            .map(|_| {
                let (pool, polls) = (Arc::clone(&pool), Arc::clone(&polls));
                AbortOnDropHandle::new(tokio::spawn(async move {
                    let conn = counting_polls(polls, pool.get()).await.unwrap();
                    tokio::task::yield_now().await;
                    drop(conn);
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

    /// Four workers get and return the one connection 20,000 times each:
    /// never two out at once, and never a second one opened.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn the_connections_out_never_exceed_the_pool_size() {
        let (_dir, pool) = pool_of(NonZeroUsize::MIN, Duration::from_secs(60));
        let workers: Vec<_> = (0..4)
            .map(|_| {
                let pool = Arc::clone(&pool);
                AbortOnDropHandle::new(tokio::spawn(async move {
                    for _ in 0..20_000 {
                        drop(pool.get().await.unwrap());
                    }
                }))
            })
            .collect();
        for worker in workers {
            worker.await.unwrap();
        }
        assert_eq!((pool.stats.peak_in_use(), pool.stats.opened()), (1, 1));
    }

    #[tokio::test]
    async fn the_largest_size_is_no_panic() {
        let (_dir, pool) = pool_of(NonZeroUsize::MAX, ACQUIRE_TIMEOUT);
        let mut conn = pool.get().await.unwrap();
        conn.run(|db| db.execute_batch("SELECT 1")).await.unwrap();
    }

    /// A caller that gives up while its connection is being opened leaves
    /// the open running on its blocking thread, and the directory the opener
    /// holds stays until that open has ended, though the caller, the pool
    /// and `run`'s own handle are gone: removed beside an open, it could be
    /// left with the file the open created (seen once, in the cancel
    /// sweep's first cut of `run`).
    #[tokio::test]
    async fn the_directory_outlives_an_open_whose_caller_left() {
        let dir = Arc::new(tempfile::tempdir().unwrap());
        let path = dir.path().to_owned();
        let (go, wait) = std::sync::mpsc::channel::<()>();
        let wait = Mutex::new(wait);
        let pool = SqlitePool::new(
            {
                let dir = Arc::clone(&dir);
                move || {
                    let _ = wait.lock().unwrap().recv();
                    Connection::open(dir.path().join("app.db"))
                }
            },
            NonZeroUsize::MIN,
            ACQUIRE_TIMEOUT,
        );
        let mut get = Box::pin(pool.get());
        assert!(poll!(get.as_mut()).is_pending());
        drop(get);
        drop((pool, dir));
        assert!(path.exists(), "removed while an open was still running");
        go.send(()).unwrap();
        timeout(Duration::from_secs(60), async {
            while path.exists() {
                sleep(Duration::from_millis(10)).await;
            }
        })
        .await
        .expect("never removed");
    }
}
