//! `gather` fails fast, or collects exceptions with `return_exceptions=True`:
//! `try_join_all` against `join_all` over `Result`s.
//!
//! `try_join_all` returns the first `Err` and drops the other futures, which
//! cancels them, where `gather` leaves its tasks running (at once only on a
//! short list: the book's page "Cheat sheet: asyncio to Tokio"). `join_all`
//! gives every `Result`, in input order.
//!
//! Translates:
//! - *Python Async Programming: A Detailed Guide*,
//!   "Handling Errors in `gather()`"

use std::time::Duration;

use futures::future::{BoxFuture, FutureExt, join_all, try_join_all};
use tokio::time::sleep;

#[derive(Debug, thiserror::Error)]
#[error("Task failed!")]
struct TaskFailed;

async fn task_that_fails() -> Result<&'static str, TaskFailed> {
    sleep(Duration::from_secs(1)).await;
    Err(TaskFailed)
}

async fn task_that_succeeds() -> Result<&'static str, TaskFailed> {
    sleep(Duration::from_secs(1)).await;
    Ok("Success")
}

/// Boxed (`BoxFuture`): the two `async fn`s have two types, and a `Vec`
/// holds one.
fn three_tasks() -> Vec<BoxFuture<'static, Result<&'static str, TaskFailed>>> {
    vec![
        task_that_succeeds().boxed(),
        task_that_fails().boxed(),
        task_that_succeeds().boxed(),
    ]
}

pub async fn run() {
    match try_join_all(three_tasks()).await {
        Ok(results) => println!("Results: {results:?}"),
        Err(error) => println!("Error: {error}"),
    }

    let results = join_all(three_tasks()).await;
    for (i, result) in results.iter().enumerate() {
        match result {
            Ok(value) => println!("Task {i} succeeded: {value}"),
            Err(error) => println!("Task {i} failed: {error}"),
        }
    }
}
