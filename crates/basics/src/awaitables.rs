//! What can be awaited: futures from async fns, task handles, and oneshot
//! receivers (Rust's `asyncio.Future`).
//!
//! Python's awaitables are coroutines, Tasks and Futures. Rust has one rule
//! instead of three: anything that implements `Future` can be awaited.
//!
//! - An `async fn` call is a future.
//! - `tokio::spawn` returns a `JoinHandle`, itself a future. It resolves to
//!   `Result<T, JoinError>`: the error says the task panicked or was aborted,
//!   which Python reports by re-raising from `await task`.
//! - `asyncio.Future` is a slot that one side fills and the other awaits. In
//!   Tokio that is a `oneshot` channel, split in two halves: the `Sender` can
//!   be moved to another task or thread, and the `Receiver` is the future.
//!   Dropping the sender unfilled is an error on the receiving side, where
//!   Python's future would wait forever.
//!
//! Translates:
//! - *Python Async Programming: A Detailed Guide*, "Awaitable Objects"
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Await Rules" (the correct-usage half)

use std::time::Duration;

use anyhow::{Context, anyhow};
use tokio::sync::oneshot;

async fn my_coroutine() -> &'static str {
    tokio::time::sleep(Duration::from_secs(1)).await;
    "Result"
}

pub async fn run() -> anyhow::Result<()> {
    let result = my_coroutine().await;
    println!("{result}");

    let task = tokio::spawn(my_coroutine());
    let result = task.await.context("the task panicked or was aborted")?;
    println!("{result}");

    let (sender, receiver) = oneshot::channel();
    // `future.set_result("value")`. `send` hands the value back if the
    // receiver is already gone, as `set_result` raises on a cancelled future.
    // `Ok` only says the receiver was there when the value was sent: it may
    // still be dropped without reading it, and the sender is not told.
    sender
        .send("value")
        .map_err(|value| anyhow!("the receiver was dropped before it got {value:?}"))?;
    let value = receiver
        .await
        .context("the sender was dropped without a value")?;
    println!("{value}");

    // `await asyncio.sleep(1)` evaluates to None; Rust's sleep produces `()`.
    let nothing: () = tokio::time::sleep(Duration::from_secs(1)).await;
    println!("sleep(..).await produced {nothing:?}");
    Ok(())
}
