//! `tokio::spawn` is `asyncio.create_task`: the task runs concurrently with
//! its creator, which collects the result by awaiting the handle.
//!
//! A task owns its data (`move`). Dropping its `JoinHandle` detaches it: a
//! `run` cancelled while awaiting one leaves the tasks running. On one thread,
//! a task starts once its creator yields, so "Tasks created" prints first.
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
    // `spawn` never runs the task inside the call: Tokio has no mode like
    // Python 3.12's `eager_task_factory`, which runs a task's first step
    // inside `create_task`. (On the multi-thread runtime another thread may
    // start it before `spawn` returns.)
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
