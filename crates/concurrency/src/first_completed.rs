//! `asyncio.wait` with FIRST_COMPLETED, then cancelling what is still
//! pending: `JoinSet::join_next`, then `shutdown().await`.
//!
//! A `JoinSet` owns its tasks: `join_next` waits for the first to finish,
//! `try_join_next` collects others already done (the guide's `done` set), and
//! `shutdown().await` aborts the rest and waits until each has stopped, where
//! `task.cancel()` only asks. `asyncio.wait_for` is `tokio::time::timeout`.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Wait and Wait_for"
//! - *Asynchronous Programming in Python*, "Task Management"

use std::time::Duration;

use anyhow::Context;
use tokio::task::JoinSet;
use tokio::time::{sleep, timeout};

async fn slow_operation() -> &'static str {
    sleep(Duration::from_secs(3)).await;
    "Slow result"
}

async fn fast_operation() -> &'static str {
    sleep(Duration::from_secs(1)).await;
    "Fast result"
}

pub async fn run() -> anyhow::Result<()> {
    let mut tasks = JoinSet::new();
    tasks.spawn(slow_operation());
    tasks.spawn(fast_operation());

    let first = tasks
        .join_next()
        .await
        .context("no task to wait for")?
        .context("the first task to finish panicked")?;
    let mut done = vec![first];
    while let Some(finished) = tasks.try_join_next() {
        done.push(finished.context("a finished task panicked")?);
    }
    println!("First completed: {done:?}");

    let pending = tasks.len();
    tasks.shutdown().await;
    println!("Pending tasks cancelled: {pending}");

    match timeout(Duration::from_secs(2), slow_operation()).await {
        Ok(result) => println!("Result: {result}"),
        Err(_elapsed) => println!("Operation timed out!"),
    }
    Ok(())
}
