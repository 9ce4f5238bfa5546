//! What can be awaited: async fns, task handles and oneshot receivers.
//!
//! Python has three kinds of awaitable; Rust has one rule: anything that
//! implements `Future`, such as a task's `JoinHandle`, whose `JoinError` says
//! the task panicked or was aborted; a `run` cancelled while awaiting it leaves
//! the task running (the book's page "Cancellation"). An `asyncio.Future` is a
//! `oneshot` channel: its `Sender` fills it from any task or thread, and one
//! dropped unfilled is an error where Python's future would wait for ever.
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
