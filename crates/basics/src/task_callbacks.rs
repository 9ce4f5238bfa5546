//! `task.add_done_callback`, `task.exception()`, `asyncio.current_task()`
//! and `asyncio.all_tasks()` in Tokio: a task that waits for another and
//! then runs the callback, the `JoinError` that says how a task ended, and
//! task IDs.
//!
//! The guides never use these, but a Python developer meets them in the
//! first week.
//!
//! A Tokio task has no list of callbacks: its `JoinHandle` is awaited once,
//! by its one owner. So a done callback is a second task, `on_done` below,
//! that takes the handle, awaits it and calls the callback with what it
//! gives. The callback runs in that task, as asyncio runs its callbacks on
//! the loop, and it could as well be async. For many tasks the usual shape is
//! a `JoinSet` and one `join_next` loop that sees every task end, in the
//! order they end (`concurrency/as_completed`).
//!
//! What `task.exception()` answers is, in Rust, in the type of what the
//! handle gives: `Result<T, JoinError>`. The task's own failure is its
//! output when `T` is a `Result`, as `parse` below returns one. A `JoinError`
//! says the task was aborted (`is_cancelled`), where `exception()` raises
//! `CancelledError`, or that it panicked (`is_panic`; `into_panic` gives the
//! payload, and `error-handling/task_panics` shows it).
//!
//! `asyncio.current_task()` returns the `Task` itself, to cancel or to name.
//! `tokio::task::id()` returns only an opaque `Id`: unique among the tasks
//! that exist, not sequential, and good only for comparing and printing.
//! `JoinHandle::id()` gives the same `Id` from outside. `id()` panics
//! outside a task and `try_id()` returns `None` there, and the future that
//! `block_on` runs (here `run()`, under `#[tokio::main]` your `main`) is not
//! a task, where `asyncio.run` makes its coroutine one. There is no
//! `all_tasks()`: the runtime hands out no list of its tasks, and
//! `Handle::current().metrics().num_alive_tasks()` only counts them (on the
//! multi-thread runtime Tokio's docs warn that the count may lag).

use std::time::Duration;

use tokio::runtime::Handle;
use tokio::task::{JoinError, JoinHandle};
use tokio::time::sleep;
use tokio_util::task::AbortOnDropHandle;

/// `task.add_done_callback(callback)`: a task that waits for `task` to end
/// and gives its result to `callback`. Await the returned handle to know the
/// callback has run. The watcher owns the task it watches: dropping the
/// handle aborts both, so a caller that gives up (a cancelled `run`) leaves
/// neither running, and no callback runs after it (a plain `JoinHandle`
/// would leave them running, detached: `concurrency/shield`).
fn on_done<T, F>(task: JoinHandle<T>, callback: F) -> AbortOnDropHandle<()>
where
    T: Send + 'static,
    F: FnOnce(Result<T, JoinError>) + Send + 'static,
{
    let task = AbortOnDropHandle::new(task);
    AbortOnDropHandle::new(tokio::spawn(async move { callback(task.await) }))
}

/// What `task.cancelled()`, `task.exception()` and `task.result()` would
/// say of a task whose output is a `Result`.
fn describe<T, E>(ended: &Result<Result<T, E>, JoinError>) -> String
where
    T: std::fmt::Display,
    E: std::fmt::Display,
{
    match ended {
        Ok(Ok(value)) => format!("returned {value}"),
        Ok(Err(error)) => format!("failed: {error}"),
        Err(error) if error.is_cancelled() => "cancelled".to_owned(),
        Err(_) => "panicked".to_owned(),
    }
}

pub async fn run() -> Result<(), JoinError> {
    let metrics = Handle::current().metrics();
    let alive_before = metrics.num_alive_tasks();

    let fetch = tokio::spawn(fetch());
    let parse = tokio::spawn(parse());
    let upload = tokio::spawn(upload());
    println!(
        "tasks alive after spawning three: {} more",
        metrics.num_alive_tasks().saturating_sub(alive_before)
    );

    // Keep a way to cancel `upload`: its handle goes to the callback task.
    let cancel_upload = upload.abort_handle();
    let callbacks = [
        on_done(fetch, |ended| println!("fetch ended: {}", describe(&ended))),
        on_done(parse, |ended| println!("parse ended: {}", describe(&ended))),
        on_done(upload, |ended| {
            println!("upload ended: {}", describe(&ended))
        }),
    ];
    sleep(Duration::from_millis(300)).await;
    cancel_upload.abort();
    for callback in callbacks {
        callback.await?;
    }

    // `current_task()`: a task asks for its own `Id`, which is the one its
    // handle gives from outside.
    let task = tokio::spawn(async { tokio::task::id() });
    let id_outside = task.id();
    let id_inside = task.await?;
    println!(
        "a task's own id equals its handle's: {}",
        id_inside == id_outside
    );
    Ok(())
}

// The demonstration's three tasks: one returns, one fails, one is too slow.

async fn fetch() -> anyhow::Result<u32> {
    sleep(Duration::from_millis(100)).await;
    Ok(42)
}

async fn parse() -> anyhow::Result<u32> {
    sleep(Duration::from_millis(200)).await;
    anyhow::bail!("bad header")
}

async fn upload() -> anyhow::Result<u32> {
    sleep(Duration::from_secs(10)).await;
    Ok(7)
}
