//! `task.add_done_callback`, `task.exception()`, `asyncio.current_task()` and
//! `asyncio.all_tasks()` in Tokio, which the guides never use.
//!
//! A `JoinHandle` is awaited once, by its one owner, so a done callback is a
//! second task that awaits the handle and then calls it (`on_done`); for many
//! tasks, a `JoinSet` sees each one end. `task.exception()` is in the type: a
//! task's own failure is its `Result`, and a `JoinError` says it was aborted or
//! panicked. `tokio::task::id()` gives an opaque `Id`, not the task itself, and
//! there is no `all_tasks()`: the runtime only counts its tasks.

use std::time::Duration;

use tokio::runtime::Handle;
use tokio::task::{JoinError, JoinHandle};
use tokio::time::sleep;
use tokio_util::task::AbortOnDropHandle;

/// `task.add_done_callback(callback)`: a task that waits for `task` to end
/// and gives its result to `callback`. Await the returned handle to know the
/// callback has run. The watcher owns the task it watches: dropping the
/// handle aborts both, so a caller that gives up (a cancelled `run`) leaves
/// neither running (the book's page "Cancellation"). An abort stops a task
/// only between polls: a callback whose watcher no thread is running at the
/// drop never runs, but on the multi-thread runtime one that another thread
/// is running finishes.
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::mpsc;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_dropped_watcher_never_calls_its_callback() {
        let called = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&called);
        let watcher = on_done(tokio::spawn(sleep(Duration::from_secs(1))), move |_| {
            flag.store(true, Ordering::SeqCst);
        });
        drop(watcher);
        sleep(Duration::from_secs(2)).await;
        assert!(!called.load(Ordering::SeqCst));
    }

    /// The drop cannot interrupt a callback another thread is running: the
    /// callback goes on, and finishes, after it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_callback_already_running_finishes_after_the_drop() {
        let wait = Duration::from_secs(10);
        let (started, has_started) = mpsc::channel();
        let (go_on, may_go_on) = mpsc::channel();
        let (finished, has_finished) = mpsc::channel();
        let watcher = on_done(tokio::spawn(async {}), move |_| {
            let _ = started.send(());
            let _ = may_go_on.recv_timeout(wait);
            let _ = finished.send(());
        });
        has_started
            .recv_timeout(wait)
            .expect("the callback starts on a worker thread");
        drop(watcher);
        go_on.send(()).expect("the callback is still running");
        has_finished
            .recv_timeout(wait)
            .expect("the callback finishes after its watcher's handle was dropped");
    }
}
