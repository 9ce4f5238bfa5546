//! `tokio::spawn` is `asyncio.create_task`: the task runs concurrently with
//! its creator, which collects the result by awaiting the handle.
//!
//! Neither runtime runs a new task inside `create_task` or `spawn`: on one
//! thread, the task can only start once its creator yields at an `.await`,
//! which is why "Tasks created" prints before any worker starts. The tasks
//! then start in the order they were spawned. In asyncio that follows from
//! `create_task` scheduling the task's first step with `call_soon`, whose
//! callbacks run in the order they were registered. Tokio describes its
//! current-thread run queue as first in, first out "at the time of writing",
//! not as a promise. On a multi-thread runtime, the default of
//! `#[tokio::main]`, an idle worker thread may start a task before `spawn`
//! even returns, so none of these orders hold there.
//!
//! A spawned task must be `'static`: it may outlive the function that spawned
//! it, so it owns its data (`move`) instead of borrowing locals. Dropping a
//! `JoinHandle` does not cancel the task; it keeps running, detached.
//!
//! Translates:
//! - *Asynchronous Programming in Python*, "Coroutines" and "Tasks"
//!   (`my_coroutine`, run as two tasks)
//! - *Python Async Programming: A Detailed Guide*,
//!   "Using `asyncio.create_task()`"
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Tasks"
//! - *Python Async/Await*, "Tasks" (`create_task` then `await task`)

use std::time::Duration;

use tokio::task::JoinError;
use tokio::time::sleep;

async fn my_coroutine() {
    println!("Starting");
    sleep(Duration::from_secs(1)).await;
    println!("Finished");
}

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
    let task1 = tokio::spawn(my_coroutine());
    let task2 = tokio::spawn(my_coroutine());
    task1.await?;
    task2.await?;

    println!();

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
