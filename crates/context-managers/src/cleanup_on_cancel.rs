//! A cancelled future skips the cleanup after its pending `.await`; `Drop` runs.
//!
//! In asyncio, cancelling raises `CancelledError` at the `await`, so `finally`
//! and `__aexit__` run and may even await. A dropped Rust future runs only the
//! `Drop` of what it owned: the connection has an async `close` for the normal
//! path, and a `Drop` that spawns the goodbye (the book's page "Cancellation").
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Contextlib for Async Context Managers" (its `finally`, when cancelled)
//! - *Python Async Programming: A Detailed Guide*,
//!   "Using `@asynccontextmanager`" (the same)

use std::time::Duration;

use tokio::runtime::Handle;
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep, timeout};
use tokio_util::task::TaskTracker;

/// Where a `Drop` sends the cleanup it can't `.await`: the runtime, captured
/// while it was current, and a tracker that the shutdown waits on.
#[derive(Clone)]
struct Cleanup {
    runtime: Handle,
    tasks: TaskTracker,
}

impl Cleanup {
    /// Captures the current runtime, so it must be called inside one.
    fn new() -> Self {
        Self {
            runtime: Handle::current(),
            tasks: TaskTracker::new(),
        }
    }

    /// Works on any thread while the runtime runs.
    fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) -> JoinHandle<()> {
        self.tasks.spawn_on(task, &self.runtime)
    }

    /// Waits for every cleanup task; the last step before the runtime goes.
    async fn finish(&self) {
        self.tasks.close();
        self.tasks.wait().await;
    }
}

/// How long the goodbye's round trip takes.
const GOODBYE: Duration = Duration::from_millis(200);

struct Connection {
    db_name: String,
    open: bool,
    cleanup: Cleanup,
}

impl Connection {
    async fn open(db_name: &str, cleanup: &Cleanup) -> Connection {
        println!("Connecting to {db_name}");
        sleep(Duration::from_millis(500)).await;
        Connection {
            db_name: db_name.to_owned(),
            open: true,
            cleanup: cleanup.clone(),
        }
    }

    /// The polite goodbye on the normal path, sent as a cleanup task: if this
    /// future is dropped midway (a timeout cuts `close` short), the goodbye
    /// still finishes, and `Drop` finds the connection marked closed, so it
    /// starts no second one.
    async fn close(mut self) {
        println!("Disconnecting from {}", self.db_name);
        self.open = false;
        let goodbye = self.cleanup.spawn(say_goodbye());
        if let Err(error) = goodbye.await
            && error.is_panic()
        {
            std::panic::resume_unwind(error.into_panic());
        }
    }
}

/// The goodbye's round trip.
async fn say_goodbye() {
    sleep(GOODBYE).await;
}

impl Drop for Connection {
    fn drop(&mut self) {
        if self.open {
            println!(
                "Connection to {} dropped while open: its goodbye goes to a cleanup task",
                self.db_name
            );
            let db_name = self.db_name.clone();
            self.cleanup.spawn(async move {
                say_goodbye().await;
                println!("Cleanup task: said goodbye to {db_name}");
            });
        }
    }
}

/// The scoped helper of `scoped_helper` with the connection as a guard: if
/// this future is dropped during the body, `connection` is dropped with it.
async fn with_connection<T>(
    db_name: &str,
    cleanup: &Cleanup,
    body: impl AsyncFnOnce(&Connection) -> T,
) -> T {
    let connection = Connection::open(db_name, cleanup).await;
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
    sleep(GOODBYE).await;
    result
}

async fn slow_report(db_name: &str) {
    println!("Using {db_name}: running a five-second report");
    sleep(Duration::from_secs(5)).await;
    println!("Report finished");
}

pub async fn run() {
    let cleanup = Cleanup::new();
    let start = Instant::now();
    // Long enough for the quick query (0.8 s with its goodbye), with more
    // than half a second to spare, so that a busy machine running the
    // timers late doesn't cut it short.
    let limit = Duration::from_secs(2);

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
    let finished = timeout(
        limit,
        with_connection("SQLite", &cleanup, async |conn| {
            println!("Using {}: a quick query", conn.db_name);
            sleep(Duration::from_millis(100)).await;
        }),
    )
    .await;
    println!("Quick query: finished = {}", finished.is_ok());

    // Last, so that the goodbye it leaves to a cleanup task prints while
    // `finish` waits, not amid another part's lines, where its place would
    // depend on how late a busy machine ran each timer.
    println!();
    let start = Instant::now();
    let finished = timeout(
        limit,
        with_connection("PostgreSQL", &cleanup, async |conn| {
            slow_report(&conn.db_name).await
        }),
    )
    .await;
    println!(
        "Guarded helper: finished = {}, after {:.1}s",
        finished.is_ok(),
        start.elapsed().as_secs_f64()
    );

    cleanup.finish().await;
    println!("Every cleanup task has finished");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_connection_dropped_on_a_plain_thread_still_says_goodbye() {
        let cleanup = Cleanup::new();
        let connection = Connection {
            db_name: "test".to_owned(),
            open: true,
            cleanup: cleanup.clone(),
        };
        // No runtime is current there: `tokio::spawn` would panic.
        std::thread::spawn(move || drop(connection))
            .join()
            .expect("the drop spawned its cleanup");
        assert_eq!(cleanup.tasks.len(), 1, "the goodbye is on the tracker");
        cleanup.finish().await;
        assert!(cleanup.tasks.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn a_close_cancelled_midway_finishes_its_goodbye_and_starts_no_second() {
        let cleanup = Cleanup::new();
        let start = Instant::now();
        // Connected at 0.5 s, the goodbye begun at once, the timeout at 0.6 s.
        let finished = timeout(
            Duration::from_millis(600),
            with_connection("test", &cleanup, async |_| {}),
        )
        .await;
        assert!(finished.is_err(), "the timeout fell during the goodbye");
        assert_eq!(cleanup.tasks.len(), 1, "one goodbye is still on its way");
        cleanup.finish().await;
        // The goodbye begun at 0.5 s ended at 0.7 s; a second one, started
        // by `Drop` at 0.6 s, would end at 0.8 s.
        assert_eq!(start.elapsed(), Duration::from_millis(700));
    }
}
