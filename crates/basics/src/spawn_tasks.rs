//! `tokio::spawn` is `asyncio.create_task`: the task runs concurrently with
//! its creator, which collects the result by awaiting the handle.
//!
//! Translates:
//! - *Python Async Programming: A Detailed Guide*,
//!   "Using `asyncio.create_task()`"
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Tasks"
//! - *Asynchronous Programming in Python*, "Tasks"
//! - *Python Async/Await*, "Tasks" (`create_task` then `await task`)
//!
//! Both runtimes schedule a new task at once and run it the next time the
//! creator yields, which is why "Tasks created" prints before any worker
//! starts. On a multi-thread runtime, the default of `#[tokio::main]`, an idle
//! worker thread may start the task before `spawn` even returns, so code must
//! not rely on that order there.
//!
//! A spawned task must be `'static`: it may outlive the function that spawned
//! it, so it owns its data (`move`) instead of borrowing locals. Dropping a
//! `JoinHandle` does not cancel the task; it keeps running, detached.

use std::time::Duration;

use tokio::task::JoinError;
use tokio::time::sleep;

async fn say_after(delay: Duration, message: &str) {
    sleep(delay).await;
    println!("{message}");
}

async fn worker(name: &str, delay: Duration) -> String {
    println!("Worker {name} starting");
    sleep(delay).await;
    println!("Worker {name} finished");
    format!("Result from {name}")
}

pub async fn run() -> Result<(), JoinError> {
    let task1 = tokio::spawn(say_after(Duration::from_secs(1), "Hello"));
    let task2 = tokio::spawn(say_after(Duration::from_secs(2), "World"));
    println!("Tasks created");
    task1.await?;
    task2.await?;
    println!("All done");

    println!();

    let task1 = tokio::spawn(worker("A", Duration::from_secs(2)));
    let task2 = tokio::spawn(worker("B", Duration::from_secs(1)));
    println!("Tasks created");
    // B finishes first, but awaiting A first costs nothing: B's result waits
    // in its handle until it is collected.
    let result1 = task1.await?;
    let result2 = task2.await?;
    println!("Results: {result1}, {result2}");
    Ok(())
}
