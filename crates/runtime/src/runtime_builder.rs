//! `Runtime` and `Builder`: `block_on` is `run_until_complete`; one thread
//! runs tasks concurrently, several threads run them in parallel.
//!
//! The guide's "alternative method" (`get_event_loop()`, then
//! `run_until_complete`) fails after `asyncio.run`: "There is no current event
//! loop". A `Runtime` is a value, with no global loop to lose. Tasks waiting on
//! each other need one thread with `.await`, and a thread each if they block.
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

/// The same meeting, but each task blocks its thread while it waits: the
/// other runs only because `block_in_place` moved the runtime's other tasks
/// to a new thread.
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
    // One worker: enough for both meetings, since `block_in_place` starts
    // another when the one it is on blocks.
    let runtime = Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    describe("Multi-thread runtime", &runtime);
    runtime.block_on(meet_with_await())?;
    runtime.block_on(meet_blocking())?;
    Ok(())
}
