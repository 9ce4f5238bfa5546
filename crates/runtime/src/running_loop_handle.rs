//! `Handle::current()` is `asyncio.get_running_loop()`: a handle to the
//! runtime you are running on, which other threads can use to spawn onto it.
//!
//! Outside a runtime, `Handle::try_current` is an error, as `get_running_loop`
//! raises. A `Handle` is `Send` and thread-safe, so a plain thread spawns with
//! it directly, where asyncio needs `run_coroutine_threadsafe`. Instead of the
//! loop's `repr` it reports the runtime's flavor.
//!
//! `run` joins its thread before it is gone, so that nothing is spawned
//! after it: if `run` is cancelled first, dropping it waits for the thread's
//! few steps.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Event Loop Lifecycle" (`get_running_loop`)

use anyhow::Context;
use tokio::runtime::Handle;
use tokio::sync::oneshot;
use tokio_util::task::AbortOnDropHandle;

pub async fn run() -> anyhow::Result<()> {
    println!("Event loop demonstration");
    let handle = Handle::current();
    println!("Runtime flavor: {:?}", handle.runtime_flavor());

    // The thread answers on a oneshot channel, which `run` awaits: joining
    // it here instead would block the runtime's thread until it has run.
    let (reply, from_thread) = oneshot::channel();
    let thread = std::thread::spawn(move || {
        // No runtime runs on this thread, so there is no "current" one...
        let outside = Handle::try_current().map(|_| ());
        // ...but the handle brought along still reaches the runtime. The
        // task comes back in an `AbortOnDropHandle`: if `run` is cancelled
        // before it reads the reply, the reply is dropped with the handle in
        // it, and the task is aborted rather than left running on its own.
        let task = AbortOnDropHandle::new(
            handle.spawn(async { "Task spawned from a plain thread ran on the runtime" }),
        );
        let _ = reply.send((outside, task));
    });
    // Without this, a `run` cancelled before the thread has spawned its
    // task would leave the thread to spawn it after `run` is gone.
    let _thread = JoinOnDrop(Some(thread));
    let (outside, task) = from_thread
        .await
        .context("the plain thread ended without answering")?;

    match outside {
        Ok(()) => println!("A plain thread found a runtime (unexpected)"),
        Err(error) => println!("On a plain thread, Handle::try_current() fails: {error}"),
    }
    println!(
        "{}",
        task.await
            .context("the task spawned from the thread failed")?
    );
    Ok(())
}

/// Joins a thread when dropped, so that it can't outlive the code that
/// started it. The join blocks, which is fine here only because the thread
/// needs nothing from the thread that joins it: it takes a few steps and
/// ends.
struct JoinOnDrop(Option<std::thread::JoinHandle<()>>);

impl Drop for JoinOnDrop {
    fn drop(&mut self) {
        if let Some(thread) = self.0.take() {
            // A panic on the thread drops `reply`, which `run` reports.
            let _ = thread.join();
        }
    }
}
