//! A runtime owned by a background thread, driven from synchronous code.
//!
//! This is how a synchronous program (a GUI, a C callback) uses async code.
//! The guide's `CustomEventLoop` busy-waits for its thread to make the loop;
//! here the runtime is built first and moved into the thread, so a failure is
//! an error for the caller. With a multi-thread runtime, no thread is needed:
//! call `runtime.block_on` directly.
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
use tokio::task::JoinError;

/// The guide's `CustomEventLoop`; its `run_coroutine` is `run`.
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
    /// `future` on the background runtime and blocks this thread for the
    /// result, whose `JoinError` tells a panic from a future dropped
    /// unfinished. Panics if called from async code, which must not block.
    fn run<F>(&self, future: F) -> Result<F::Output, JoinError>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.block_on(self.handle.spawn(future))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_future_that_panics_is_told_apart_and_the_runtime_runs_on() {
        let background = BackgroundRuntime::start().unwrap();
        let error = background
            .run(async { panic!("the future failed") })
            .unwrap_err();
        assert!(error.is_panic(), "{error}");
        assert!(error.to_string().contains("the future failed"), "{error}");
        assert_eq!(background.run(async { 2 + 3 }).unwrap(), 5);
        background.stop().unwrap();
    }
}
