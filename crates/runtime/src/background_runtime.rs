//! A runtime owned by a background thread, driven from synchronous code:
//! submit a future through a `Handle`, get its result back on a oneshot
//! channel.
//!
//! This is how a synchronous program (a GUI, a C callback, a blocking server)
//! uses async code without becoming async itself. The guide's
//! `CustomEventLoop` starts a thread that creates a loop, then polls with
//! `while self.loop is None: time.sleep(0.01)` until the thread has stored
//! it. Here the runtime is built first, on the calling thread, and moved into
//! the background thread: its `Handle` exists before the thread starts, so
//! there is nothing to wait for, and a failure to build it is an error
//! returned to the caller instead of a dead thread and a loop that spins.
//!
//! `run_coroutine_threadsafe(coro, loop).result()` becomes `handle.spawn`
//! plus a oneshot channel whose receiver blocks with `blocking_recv`. If the
//! runtime is gone, the sender is dropped unfilled and the caller gets an
//! error, where the guide's `run_coroutine`, called after `stop()`, waits
//! forever: its loop is stopped but never closed, so nothing runs the
//! coroutine (on a closed loop, `run_coroutine_threadsafe` raises
//! `RuntimeError: Event loop is closed`). Stopping sends on a second oneshot
//! channel, which ends the thread's `block_on`; the thread then drops the
//! runtime, which drops every task still waiting at its `.await` and waits
//! for any `spawn_blocking` job that has started, and `join` waits for the
//! thread.
//!
//! A multi-thread runtime already owns its worker threads, so with one, the
//! background thread is unnecessary: keep the `Runtime` in a struct and call
//! `runtime.block_on` or `handle.spawn` from synchronous code. Sleeps here
//! are real time, like in every example that builds its own runtime.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Custom Event Loop Integration"
//!   (`CustomEventLoop`, `run_coroutine_threadsafe`)

use std::future::Future;
use std::thread;
use std::time::Duration;

use anyhow::anyhow;
use tokio::runtime::{Builder, Handle};
use tokio::sync::oneshot;

/// The runtime thread stopped before it produced a result.
#[derive(Debug, thiserror::Error)]
#[error("the background runtime stopped before the task finished")]
struct RuntimeStopped;

struct BackgroundRuntime {
    handle: Handle,
    stop: oneshot::Sender<()>,
    thread: thread::JoinHandle<()>,
}

impl BackgroundRuntime {
    fn start() -> std::io::Result<Self> {
        let runtime = Builder::new_current_thread().enable_all().build()?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = thread::Builder::new()
            .name("background-runtime".to_owned())
            // `run_forever`: drive spawned tasks until told to stop. An
            // `Err` here means the sender was dropped, which is a stop too.
            .spawn(move || runtime.block_on(async { stopped.await.unwrap_or(()) }))?;
        Ok(Self {
            handle,
            stop,
            thread,
        })
    }

    /// `asyncio.run_coroutine_threadsafe(future, loop).result()`: runs
    /// `future` on the background runtime and blocks this thread for the result.
    fn run<F>(&self, future: F) -> Result<F::Output, RuntimeStopped>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (reply, result) = oneshot::channel();
        self.handle.spawn(async move {
            // The caller may have given up; then nobody wants the result.
            let _ = reply.send(future.await);
        });
        result.blocking_recv().map_err(|_| RuntimeStopped)
    }

    fn stop(self) -> anyhow::Result<()> {
        // An error means the thread has already ended; `join` reports why.
        let _ = self.stop.send(());
        self.thread
            .join()
            .map_err(|_| anyhow!("the background runtime's thread panicked"))
    }
}

async fn async_task(name: &str) -> String {
    println!("Task {name} starting");
    tokio::time::sleep(Duration::from_millis(100)).await;
    println!("Task {name} completed");
    format!("Result from {name}")
}

pub fn run() -> anyhow::Result<()> {
    let background = BackgroundRuntime::start()?;
    let result = background.run(async_task("test"))?;
    println!("{result}");
    let sum = background.run(async { 2 + 3 })?;
    println!("Another future, another result: {sum}");
    background.stop()?;
    println!("Background runtime stopped");
    Ok(())
}
