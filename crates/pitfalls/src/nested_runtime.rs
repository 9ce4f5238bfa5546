//! A runtime inside a runtime: `block_on` in async code panics, as
//! `asyncio.run()` inside a coroutine raises; sync code that needs an async
//! result calls `Handle::block_on` from a blocking thread instead.
//!
//! A sync function deep in the stack blocks on an async result: Tokio's
//! `block_on` panics on a runtime thread ("Cannot start a runtime from within
//! a runtime"), and `futures::executor::block_on` blocks the thread, so on a
//! current-thread runtime a future that needs the runtime (a Tokio sleep, I/O,
//! a `JoinHandle`) never completes, a silent hang. The bridges:
//! `spawn_blocking` with `Handle::block_on` inside (`to_thread` around
//! `run_coroutine_threadsafe(...).result()`), `block_in_place` on the
//! multi-thread runtime only, or, best, an async caller.

use std::any::Any;
use std::future::Future;
use std::time::Duration;

use anyhow::Context;
use tokio::runtime::{Builder, Handle, Runtime};
use tokio::task::{JoinError, block_in_place, spawn_blocking};

/// The async work that synchronous code wants a result from.
async fn fetch_setting(key: &str) -> String {
    tokio::time::sleep(Duration::from_millis(10)).await;
    format!("{key}=on")
}

/// Synchronous code that needs an async result: a callback, a sync trait.
fn sync_lookup(handle: &Handle, key: &str) -> String {
    handle.block_on(fetch_setting(key))
}

async fn on_the_current_thread_runtime() {
    println!("asyncio.run() inside a coroutine, in Rust:");
    let result = outcome(async {
        let runtime = Runtime::new()?;
        Ok(runtime.block_on(fetch_setting("color")))
    })
    .await;
    println!("- Runtime::new()?.block_on(...): {result}");

    let result = outcome(async { Ok(sync_lookup(&Handle::current(), "color")) }).await;
    println!("- Handle::current().block_on(...): {result}");

    // Dropping a runtime on a runtime thread panics too
    // (`shutdown_background` doesn't wait).
    let result = outcome(async {
        let runtime = Runtime::new()?;
        drop(runtime);
        Ok("nothing".to_owned())
    })
    .await;
    println!("- creating a runtime, then dropping it: {result}");

    let result = outcome(async {
        let handle = Handle::current();
        Ok(block_in_place(|| sync_lookup(&handle, "color")))
    })
    .await;
    println!("- block_in_place on a current-thread runtime: {result}");

    println!();
    println!("The bridge, on either runtime:");
    // This thread, inside `Runtime::block_on`, drives the timer that
    // `fetch_setting` sleeps on; `Handle::block_on` on a current-thread
    // runtime drives no timers or I/O itself, and once the runtime is shut
    // down, a timer in it panics.
    let result = outcome(async {
        let handle = Handle::current();
        spawn_blocking(move || sync_lookup(&handle, "color"))
            .await
            .context("the blocking lookup panicked")
    })
    .await;
    println!("- spawn_blocking, then Handle::block_on there: {result}");
}

async fn on_the_multi_thread_runtime() {
    let result = outcome(async {
        let handle = Handle::current();
        Ok(block_in_place(|| sync_lookup(&handle, "color")))
    })
    .await;
    println!("- block_in_place, then Handle::block_on there: {result}");
}

pub fn run() -> anyhow::Result<()> {
    Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(on_the_current_thread_runtime());
    println!();
    println!("On the multi-thread runtime only:");
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?
        .block_on(on_the_multi_thread_runtime());
    Ok(())
}

// What only feeds the printout: how each mistake ended.

/// Runs `mistake` in a task of its own, so that its panic comes back as a
/// `JoinError`, and says how it ended.
async fn outcome<F>(mistake: F) -> String
where
    F: Future<Output = anyhow::Result<String>> + Send + 'static,
{
    match tokio::spawn(mistake).await {
        Ok(Ok(value)) => format!("returned {value}"),
        Ok(Err(error)) => format!("failed: {error:#}"),
        Err(error) => describe(error),
    }
}

fn describe(error: JoinError) -> String {
    if !error.is_panic() {
        return format!("did not finish: {error}");
    }
    let payload: Box<dyn Any + Send> = error.into_panic();
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("(a panic without a message)");
    format!("panicked: {message}")
}
