//! `asyncio.wait` with FIRST_COMPLETED, then cancelling what is still
//! pending: `JoinSet::join_next`, then `shutdown().await`.
//!
//! A `JoinSet` owns the tasks spawned into it, and `join_next` waits for
//! whichever finishes first. `wait` hands back a set `done` of every task
//! finished by then, which can hold more than one; `try_join_next` collects
//! those without waiting, so `done` below is the same list the guide prints.
//!
//! Cancelling the rest is where Rust differs from asyncio in a way that
//! matters. A spawned task belongs to the runtime: dropping its `JoinHandle`
//! does not cancel it, it only detaches it. The `JoinSet` is what ties the
//! tasks to this function. `shutdown().await` aborts every task still in the
//! set and waits until each has stopped; `task.cancel()` in the guide only
//! requests the cancellation. Dropping the set would abort them too, on every
//! path out of the function, but without waiting. (For plain futures, which
//! are not tasks, dropping *is* cancelling; the example `race` shows that.)
//!
//! `asyncio.wait_for` is `tokio::time::timeout`; the section
//! `error-handling` looks at it in detail.
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
