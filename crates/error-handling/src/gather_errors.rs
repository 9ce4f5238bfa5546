//! `gather` fails fast by default and collects exceptions with
//! `return_exceptions=True`: `try_join_all` against `join_all` over
//! `Result`s.
//!
//! `try_join_all` resolves to `Err` as soon as one future fails, and drops
//! the others there and then, which cancels them. Python's `gather` does
//! not cancel: it raises the first exception, but the other tasks keep
//! running in the background, unobserved. (Rust behaves like Python when
//! the inputs are the `JoinHandle`s of spawned tasks: dropping a handle
//! detaches its task, which runs on.) When the rest should be collected
//! instead, `join_all` over futures that return `Result` gives a
//! `Vec<Result<_, _>>`, one entry per input, in input order:
//! `return_exceptions=True` with the error type spelled out.
//!
//! Failing fast is what `try_join_all`'s documentation promises, and what
//! it does for a short list like this one; past a certain length an error
//! waits for the futures before it ([the cheat
//! sheet](../cheatsheet.md#try-join-all-fails-fast) says where). To fail fast
//! over a list of any length, drive a `FuturesUnordered` with `try_next`, or
//! spawn into a `JoinSet` and `abort_all` on the first error.
//!
//! The two tasks are two different `async fn`s, so their futures have two
//! different types; a `Vec` holds one type, so each future is boxed
//! (`FutureExt::boxed`) into a `BoxFuture` with the same output. For a fixed
//! handful like these three, `tokio::try_join!` fails fast the same way
//! without a `Vec` or boxing; a list is what `try_join_all` is for.
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
