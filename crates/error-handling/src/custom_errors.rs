//! A custom error type that wraps its cause, built with `thiserror`, and
//! reported with its whole source chain.
//!
//! The guide's `AsyncOperationError` keeps the original exception and pastes
//! its text into its own message. In Rust the wrapped error is the *source*
//! (`#[source]`): the caller can still reach the `io::Error` and its `kind()`,
//! and a report joins the chain with ": " (`report` here, `anyhow`'s `{:#}`),
//! so a wrapper's own message does not repeat it (the book's page "Errors in
//! async code" says why).
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Custom Exception Handling"

use std::error::Error;
use std::io;
use std::time::Duration;

use tokio::task::JoinError;
use tokio::time::sleep;
use tokio_util::task::JoinQueue;

#[derive(Debug, thiserror::Error)]
#[error("Operation '{operation}' failed")]
struct AsyncOperationError {
    operation: &'static str,
    #[source]
    source: io::Error,
}

async fn connect(should_fail: bool) -> io::Result<()> {
    sleep(Duration::from_millis(100)).await;
    if should_fail {
        return Err(io::Error::new(io::ErrorKind::TimedOut, "Network timeout"));
    }
    Ok(())
}

async fn safe_async_operation(
    operation: &'static str,
    should_fail: bool,
) -> Result<String, AsyncOperationError> {
    connect(should_fail)
        .await
        .map_err(|source| AsyncOperationError { operation, source })?;
    Ok(format!("Success: {operation}"))
}

/// The error and each of its causes, joined with ": ".
fn report(error: &dyn Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(source) = cause {
        text = format!("{text}: {source}");
        cause = source.source();
    }
    text
}

pub async fn run() -> Result<(), JoinError> {
    let operations = [
        ("op1", false),
        ("op2", true),
        ("op3", false),
        ("op4", true),
        ("op5", false),
    ];
    // In the order started: all five finish at one instant, and a `JoinSet`
    // would give them in no set order.
    let mut tasks = JoinQueue::new();
    for (name, should_fail) in operations {
        tasks.spawn(safe_async_operation(name, should_fail));
    }

    let mut results = Vec::new();
    let mut timed_out = Vec::new();
    while let Some(task) = tasks.join_next().await {
        match task? {
            Ok(result) => results.push(("success", result)),
            Err(error) => {
                results.push(("error", report(&error)));
                if error.source.kind() == io::ErrorKind::TimedOut {
                    timed_out.push(error.operation);
                }
            }
        }
    }

    for (status, result) in results {
        println!("{}: {result}", status.to_uppercase());
    }
    println!("Timed out, found through the source: {timed_out:?}");
    Ok(())
}
