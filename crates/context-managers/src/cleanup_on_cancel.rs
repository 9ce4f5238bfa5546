//! Cancellation drops a future where it is waiting: the async cleanup after
//! that `.await` never runs, but `Drop` does.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Contextlib for Async Context Managers"
//!   (its `finally`, when the block is cancelled)
//! - *Python Async Programming: A Detailed Guide*,
//!   "Using `@asynccontextmanager`" (the same)
//!
//! The guides promise that `finally` and `__aexit__` clean up however the
//! block ends. Cancellation is the one way of ending where Rust differs. In
//! asyncio, `task.cancel()` or `asyncio.timeout` raises `CancelledError`
//! inside the coroutine, at the `await` it is suspended on. The exception
//! unwinds through the body, so `finally` blocks and `__aexit__` run, and may
//! even await. A Rust future is cancelled by dropping it: `timeout` when
//! the time is up, `select!` when another branch wins, and the runtime when
//! a task is aborted. The future is not polled again, so nothing after the
//! pending `.await` runs, including the scoped helper's cleanup; what does
//! run is `Drop`, for every value the future owned at that point.
//!
//! So cleanup that must survive cancellation goes in `Drop`, which means it
//! must be synchronous. Here the connection has an async `close` for the
//! normal path and a `Drop` that closes the socket abruptly when `close`
//! never ran. If the async part really matters, `Drop` can hand it to a new
//! task with `tokio::spawn`; that task is not awaited by anyone, and is
//! dropped unfinished if the runtime shuts down first. And `tokio::spawn`
//! panics outside a runtime, where a value can also be dropped, so such a
//! `Drop` spawns through `Handle::try_current()`.

use std::time::Duration;

use tokio::time::{Instant, sleep, timeout};

struct Connection {
    db_name: String,
    open: bool,
}

impl Connection {
    async fn open(db_name: &str) -> Connection {
        println!("Connecting to {db_name}");
        sleep(Duration::from_millis(500)).await;
        Connection {
            db_name: db_name.to_owned(),
            open: true,
        }
    }

    /// The polite goodbye, which needs a round trip.
    async fn close(mut self) {
        println!("Disconnecting from {}", self.db_name);
        sleep(Duration::from_millis(200)).await;
        self.open = false;
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        if self.open {
            // The synchronous part of the cleanup: dropping the socket closes
            // it. The goodbye message is what gets lost.
            println!(
                "Connection to {} dropped while open: socket closed without a goodbye",
                self.db_name
            );
        }
    }
}

/// The scoped helper of `scoped_helper` with the connection as a guard: if
/// this future is dropped during the body, `connection` is dropped with it.
async fn with_connection<T>(db_name: &str, body: impl AsyncFnOnce(&Connection) -> T) -> T {
    let connection = Connection::open(db_name).await;
    let result = body(&connection).await;
    connection.close().await;
    result
}

/// The mistake under cancellation: the helper as `scoped_helper` writes it,
/// with no guard. Its cleanup is plain code after an `.await`, so it runs
/// only if that `.await` finishes.
async fn with_connection_unguarded<T>(db_name: &str, body: impl AsyncFnOnce(&str) -> T) -> T {
    println!("Connecting to {db_name}");
    sleep(Duration::from_millis(500)).await;
    let result = body(db_name).await;
    println!("Disconnecting from {db_name}");
    sleep(Duration::from_millis(200)).await;
    result
}

async fn slow_report(db_name: &str) {
    println!("Using {db_name}: running a five-second report");
    sleep(Duration::from_secs(5)).await;
    println!("Report finished");
}

pub async fn run() {
    let start = Instant::now();
    let limit = Duration::from_secs(1);

    let finished = timeout(
        limit,
        with_connection_unguarded("PostgreSQL", async |name| slow_report(name).await),
    )
    .await;
    // No "Disconnecting" line above this one: the helper was dropped at its
    // `.await` on the body.
    println!(
        "Unguarded helper: finished = {}, after {:.1}s",
        finished.is_ok(),
        start.elapsed().as_secs_f64()
    );

    println!();
    let start = Instant::now();
    let finished = timeout(
        limit,
        with_connection("PostgreSQL", async |conn| slow_report(&conn.db_name).await),
    )
    .await;
    println!(
        "Guarded helper: finished = {}, after {:.1}s",
        finished.is_ok(),
        start.elapsed().as_secs_f64()
    );

    println!();
    let finished = timeout(
        limit,
        with_connection("SQLite", async |conn| {
            println!("Using {}: a quick query", conn.db_name);
            sleep(Duration::from_millis(100)).await;
        }),
    )
    .await;
    println!("Quick query: finished = {}", finished.is_ok());
}
