//! `tokio::task_local!` is `contextvars.ContextVar`: a request id set once
//! per request reaches every call the request makes, down to a log line,
//! without being passed along. A spawned task does not inherit it.
//!
//! Its asyncio counterpart is a `ContextVar` that a request handler sets and
//! a logging helper reads.
//!
//! `REQUEST_ID.scope(id, future)` gives `future` the value `id`: while
//! `future` runs, however deep in its calls, `REQUEST_ID.get()` returns it
//! (`try_get` and `try_with` return an error, "task-local value not set",
//! outside any scope). Several scoped futures can run at once, each with its
//! own value. The value is fixed for the scope; there is no `set`. An inner
//! `scope` shadows it for a part of the work, as `ContextVar.set` followed by
//! `reset(token)` does, and a value that must change during the scope goes
//! in a `Cell` or a `Mutex`. `sync_scope` does the same for a closure.
//!
//! What carries over differs from asyncio:
//! - `asyncio.create_task` copies the current context into the new task, so
//!   a task started while handling request 7 logs request 7. `tokio::spawn`
//!   copies nothing: the new task runs on its own, outside every scope, and
//!   the request id must be handed over with a new
//!   `REQUEST_ID.scope(REQUEST_ID.get(), future)`, the counterpart of
//!   `contextvars.copy_context()`.
//! - `loop.run_in_executor` does not copy the context and `asyncio.to_thread`
//!   does; `spawn_blocking`, like the first, copies nothing, and
//!   `REQUEST_ID.sync_scope(id, ...)` inside the closure hands it over.
//! - A value a task sets does not leak out in either language: a
//!   `create_task` child works on a copy, and a Rust scope ends with its
//!   future.
//!
//! The scope is not tied to a task, despite the name: the value is installed
//! only while the scoped future is being polled, so two scoped futures in one
//! `join!` each see their own. For logs, a program would use a `tracing` span
//! rather than its own task-local (`performance/tracing_spans`); a span
//! attached with `Instrument` follows the same rules, and a spawned task
//! needs `.in_current_span()` to keep it.

use std::time::Duration;

use tokio::task::JoinError;
use tokio::time::sleep;
use tokio_util::task::AbortOnDropHandle;

tokio::task_local! {
    /// The request being handled, like `ContextVar("request_id")`.
    static REQUEST_ID: u32;
}

/// Every log line names its request, though nobody passes the id in.
fn log(message: &str) {
    match REQUEST_ID.try_get() {
        Ok(id) => println!("[request {id}] {message}"),
        Err(_) => println!("[no request] {message}"),
    }
}

async fn load_user(name: &str) -> String {
    sleep(Duration::from_millis(100)).await;
    log(&format!("loaded user {name}"));
    name.to_uppercase()
}

async fn handle(name: &'static str) {
    log("handling");
    let user = load_user(name).await;
    log(&format!("replied to {user}"));
}

/// A request that starts background work, the three ways it can go.
async fn handle_with_background_work() -> Result<(), JoinError> {
    log("handling");
    tokio::spawn(async { log("spawned task: the id did not follow") }).await?;

    let id = REQUEST_ID.get();
    tokio::spawn(REQUEST_ID.scope(id, async { log("spawned task: the id handed over") })).await?;
    tokio::task::spawn_blocking(move || {
        REQUEST_ID.sync_scope(id, || log("spawn_blocking: the id handed over"));
    })
    .await?;

    REQUEST_ID
        .scope(id * 100, async { log("an inner scope shadows the id") })
        .await;
    log("and the id is back");
    Ok(())
}

pub async fn run() -> Result<(), JoinError> {
    REQUEST_ID.scope(7, handle("alice")).await;
    log("between requests");

    // Two requests at once, as a server spawns them: each task gets its own
    // scope. Bob arrives 50 ms after Alice, so the lines alternate.
    // Aborted when dropped: a cancelled `run` leaves no task running
    // (`concurrency/shield` says why a plain `JoinHandle` would).
    let alice = AbortOnDropHandle::new(tokio::spawn(REQUEST_ID.scope(1, handle("alice"))));
    let bob = AbortOnDropHandle::new(tokio::spawn(REQUEST_ID.scope(2, async {
        sleep(Duration::from_millis(50)).await;
        handle("bob").await;
    })));
    alice.await?;
    bob.await?;

    println!();
    REQUEST_ID.scope(3, handle_with_background_work()).await
}
