//! `Runtime` and `Builder`: `block_on` is `run_until_complete`; one thread
//! runs tasks concurrently, several threads run them in parallel.
//!
//! asyncio keeps a "current event loop" per thread, set and fetched through
//! global functions. The guide's block trips over that: after
//! `asyncio.run(hello())` the current loop has been closed and unset, so its
//! "alternative method", `asyncio.get_event_loop()` followed by
//! `run_until_complete`, raises `RuntimeError: There is no current event
//! loop` on Python 3.11. Tokio has no global loop to lose. A `Runtime` is an
//! ordinary value: you build it, call `block_on` on it as often as you like
//! (each call returns the future's output), and dropping it is `close()`.
//!
//! The two flavors differ in how tasks share threads:
//!
//! - `new_current_thread()` runs every task on the thread that calls
//!   `block_on`, one at a time, switching at each `.await`: asyncio's model.
//! - `new_multi_thread()` starts worker threads (one per core by default;
//!   two here) and moves tasks between them, so tasks run in parallel.
//!
//! The proof below is a rendezvous. Two tasks each announce themselves and
//! wait for the other. With `.await` (a Tokio channel), one thread is enough:
//! each task yields while it waits. With a blocking wait (a `std` channel),
//! the waiting task holds its thread, so the pair can only meet when they run
//! on two threads at once; on one thread the first would wait forever, which
//! is why the blocking version gives up after five seconds instead. Which
//! worker runs which task is the scheduler's choice, and Tokio promises no
//! placement, so each blocking wait goes through `block_in_place`: it tells
//! the runtime this thread is about to block, and the runtime hands the
//! worker's other tasks to another thread first. The two tasks then meet
//! wherever they were put. `block_in_place` exists only on the multi-thread
//! runtime; on the current-thread one it panics.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Event Loop" (`new_event_loop`,
//!   `set_event_loop`, `run_until_complete`, `close`)

use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, anyhow};
use tokio::runtime::{Builder, Runtime};
use tokio::sync::oneshot;

/// A blocking wait stays on its thread; it gives up rather than hang.
const PATIENCE: Duration = Duration::from_secs(5);

async fn hello() {
    println!("Hello");
    tokio::time::sleep(Duration::from_millis(100)).await;
    println!("World");
}

fn describe(name: &str, runtime: &Runtime) {
    println!(
        "{name}: flavor {:?}, {} worker thread(s)",
        runtime.handle().runtime_flavor(),
        runtime.metrics().num_workers()
    );
}

/// Two tasks meet through oneshot channels, awaiting each other.
async fn meet_with_await() -> anyhow::Result<()> {
    let (to_b, from_a) = oneshot::channel();
    let (to_a, from_b) = oneshot::channel();
    let a = tokio::spawn(async move {
        to_b.send("A").map_err(|_| anyhow!("B is gone"))?;
        from_b.await.context("B hung up")
    });
    let b = tokio::spawn(async move {
        to_a.send("B").map_err(|_| anyhow!("A is gone"))?;
        from_a.await.context("A hung up")
    });
    let (heard_by_a, heard_by_b) = (a.await??, b.await??);
    println!("A heard from {heard_by_a}, B heard from {heard_by_b}, with .await");
    Ok(())
}

/// The same meeting, but each task blocks its thread while it waits.
async fn meet_blocking() -> anyhow::Result<()> {
    let (to_b, from_a) = mpsc::channel();
    let (to_a, from_b) = mpsc::channel();
    let a = tokio::spawn(async move {
        to_b.send("A").map_err(|_| anyhow!("B is gone"))?;
        tokio::task::block_in_place(|| from_b.recv_timeout(PATIENCE))
            .context("B never ran while A held its thread")
    });
    let b = tokio::spawn(async move {
        to_a.send("B").map_err(|_| anyhow!("A is gone"))?;
        tokio::task::block_in_place(|| from_a.recv_timeout(PATIENCE))
            .context("A never ran while B held its thread")
    });
    let (heard_by_a, heard_by_b) = (a.await??, b.await??);
    println!("A heard from {heard_by_a}, B heard from {heard_by_b}, while both blocked");
    Ok(())
}

pub fn run() -> anyhow::Result<()> {
    // asyncio.new_event_loop(); there is no set_event_loop to call.
    let runtime = Builder::new_current_thread().enable_all().build()?;
    describe("Current-thread runtime", &runtime);
    // loop.run_until_complete(hello()), twice: the runtime stays usable.
    runtime.block_on(hello());
    let answer = runtime.block_on(async { 6 * 7 });
    println!("block_on returned {answer}");
    runtime.block_on(meet_with_await())?;
    // loop.close()
    drop(runtime);

    println!();
    let runtime = Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    describe("Multi-thread runtime", &runtime);
    runtime.block_on(meet_with_await())?;
    runtime.block_on(meet_blocking())?;
    Ok(())
}
