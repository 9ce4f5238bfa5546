//! `asyncio.wait` with FIRST_COMPLETED, then cancelling what is still
//! pending: `select_all` over task handles, and `abort` for the losers.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Wait and Wait_for"
//! - *Asynchronous Programming in Python*, "Task Management"
//!
//! `futures::future::select_all` resolves as soon as one future in a list
//! does, and hands back the others. With spawned tasks those others are
//! `JoinHandle`s, and here Rust differs from asyncio in a way that matters:
//! dropping a `JoinHandle` does not cancel its task, it only detaches it. The
//! losers must be cancelled explicitly with `abort()`, the counterpart of
//! `task.cancel()`; awaiting an aborted handle then reports
//! `JoinError::is_cancelled`. (For plain futures, which are not tasks,
//! dropping *is* cancelling; the example `race` shows that.)
//!
//! `asyncio.wait_for` is `tokio::time::timeout`; the section
//! `error-handling` looks at it in detail.

use std::error::Error;
use std::time::Duration;

use futures::future::select_all;
use tokio::time::{sleep, timeout};

async fn slow_operation() -> &'static str {
    sleep(Duration::from_secs(3)).await;
    "Slow result"
}

async fn fast_operation() -> &'static str {
    sleep(Duration::from_secs(1)).await;
    "Fast result"
}

pub async fn run() -> Result<(), Box<dyn Error>> {
    let tasks = vec![
        tokio::spawn(slow_operation()),
        tokio::spawn(fast_operation()),
    ];

    let (first, _index, pending) = select_all(tasks).await;
    println!("First completed: {:?}", [first?]);

    for task in &pending {
        task.abort();
    }
    for task in pending {
        match task.await {
            Err(error) if error.is_cancelled() => println!("Cancelled a pending task"),
            Err(error) => return Err(error.into()),
            Ok(result) => println!("A pending task finished anyway: {result}"),
        }
    }

    match timeout(Duration::from_secs(2), slow_operation()).await {
        Ok(result) => println!("Result: {result}"),
        Err(_elapsed) => println!("Operation timed out!"),
    }
    Ok(())
}
