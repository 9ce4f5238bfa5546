//! `tokio::task_local!` is `contextvars.ContextVar`: a request id set once
//! per request reaches every call the request makes, down to a log line,
//! without being passed along. A spawned task does not inherit it.
//!
//! `REQUEST_ID.scope(id, future)` gives the future its value however deep it
//! calls; an inner `scope` shadows it, as `set` then `reset` does. Unlike
//! `create_task`, which copies the context, `tokio::spawn` copies nothing: hand
//! the value over with a new `scope` (and `sync_scope` inside
//! `spawn_blocking`). The value lives only while the scoped future is polled,
//! so two in one `join!` each see their own. For logs, use a `tracing` span.

use std::time::Duration;

use tokio::task::{JoinError, JoinSet};
use tokio::time::sleep;

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
    let mut requests = JoinSet::new();
    requests.spawn(REQUEST_ID.scope(1, handle("alice")));
    requests.spawn(REQUEST_ID.scope(2, async {
        sleep(Duration::from_millis(50)).await;
        handle("bob").await;
    }));
    while let Some(handled) = requests.join_next().await {
        handled?;
    }

    println!();
    REQUEST_ID.scope(3, handle_with_background_work()).await
}
