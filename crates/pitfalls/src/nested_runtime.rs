//! A runtime inside a runtime: `block_on` in async code panics, as
//! `asyncio.run()` inside a coroutine raises; sync code that needs an async
//! result calls `Handle::block_on` from a blocking thread instead.
//!
//! Its asyncio counterpart is the error every asyncio user meets once:
//! `asyncio.run()` called from a coroutine raises `RuntimeError:
//! asyncio.run() cannot be called from a running event loop` (and
//! `loop.run_until_complete` raises `This event loop is already running`).
//!
//! It happens the same way in Rust: a synchronous function deep in the call
//! stack wants an async result, and blocks on it. Tokio's `block_on`,
//! whether `Runtime::block_on` on a new runtime or
//! `Handle::current().block_on`, panics on a thread that is already running
//! a runtime, with "Cannot start a runtime from within a runtime". The
//! thread is driving tasks, and blocking it would stop every one of them.
//! Other executors' `block_on`, such as `futures::executor::block_on`, do
//! not know about Tokio and simply block the thread: on a current-thread
//! runtime, a deadlock if the future needs that runtime's timers or
//! sockets. Building a runtime there is allowed, but dropping it is not: a
//! drop waits for the runtime's blocking jobs, and panics with "Cannot drop
//! a runtime in a context where blocking is not allowed". To get rid of one
//! from async code, call `runtime.shutdown_background()`, which does not
//! wait (its blocking jobs run on until they return). Synchronous wrappers
//! around async code hit the same checks: `reqwest::blocking` documents that
//! it panics inside an async runtime, and recommends `spawn_blocking` around
//! the calls. It checks only in debug builds, by building and dropping a
//! runtime of its own; a release build skips the check and blocks the
//! thread (`real-world/sync_vs_async_http`).
//!
//! The bridges:
//! - Move the synchronous code to a blocking thread with `spawn_blocking`,
//!   and let it call `Handle::block_on` with a handle to the runtime. That is
//!   `asyncio.to_thread` around code that calls
//!   `asyncio.run_coroutine_threadsafe(coro, loop).result()`. The future runs
//!   on the blocking thread; on a current-thread runtime, what it waits for
//!   (timers, sockets) is driven by the thread in `Runtime::block_on`, so
//!   that thread must not be blocked waiting for this one.
//! - On the multi-thread runtime, `tokio::task::block_in_place(|| ...)` runs
//!   the closure right where it is, after handing this worker's other tasks
//!   to a new worker thread, so blocking here (and `Handle::block_on` inside)
//!   stops no other task. It still stops the rest of this task: a `join!` or
//!   `select!` around the call waits with it. On a current-thread runtime
//!   there is no other worker to hand the tasks to, so it panics: "can call
//!   blocking only when running on the multi-threaded runtime".
//! - Better still, make the caller async and `.await`. A bridge is for the
//!   synchronous code you cannot change: a callback from a C library, a
//!   trait from a sync crate.
//!
//! Each mistake below runs in a task of its own, so the panic ends only that
//! task and comes back to the caller as a `JoinError`, whose message is
//! printed. The default panic hook also prints it, with its location, on
//! stderr. The example builds its runtimes itself, both flavors, so it is
//! synchronous and prints the same whatever runtime the runner would pick.

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

/// Runs `mistake` in a task of its own and says how it ended.
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
