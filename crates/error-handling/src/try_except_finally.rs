//! `try`/`except`/`finally` in async code: a `Result` to `match` or pass on
//! with `?`, and cleanup in a `Drop` guard so it runs on every path.
//!
//! Nothing about errors is special to async Rust: `match` is `try`/`except`,
//! `?` lets an error propagate, the signature says what can go wrong, and
//! `Result::ok` is the guide's `safe_operation`. Cleanup that must run on `?`,
//! a panic or a cancellation too goes in a `Drop`.
//!
//! Translates:
//! - *Python Async/Await*, "Try/Except with Async"
//! - *Python Async Programming: A Detailed Guide*, "Try-Except with Async"
//! - *Asynchronous Programming in Python*, "Error Handling"

use std::time::Duration;

use tokio::time::{sleep, timeout};

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct ValueError(&'static str);

async fn might_fail() -> Result<(), ValueError> {
    sleep(Duration::from_secs(1)).await;
    Err(ValueError("Something went wrong"))
}

async fn risky_operation() -> Result<&'static str, ValueError> {
    sleep(Duration::from_secs(1)).await;
    Err(ValueError("Something went wrong!"))
}

async fn handle_errors() {
    match might_fail().await {
        Ok(()) => println!("No error"),
        Err(error) => println!("Caught error: {error}"),
    }
    println!("Cleanup");
}

async fn safe_operation() -> Option<&'static str> {
    risky_operation()
        .await
        .inspect_err(|error| println!("Error occurred: {error}"))
        .ok()
}

/// Prints when it goes out of scope, however that happens.
struct Cleanup(&'static str);

impl Drop for Cleanup {
    fn drop(&mut self) {
        println!("Cleanup: {}", self.0);
    }
}

async fn propagate() -> Result<(), ValueError> {
    let _cleanup = Cleanup("propagate");
    might_fail().await?;
    println!("never printed: `?` returned early");
    Ok(())
}

pub async fn run() {
    handle_errors().await;

    if let Err(error) = risky_operation().await {
        println!("Caught error: {error}");
    }

    println!("safe_operation() returned {:?}", safe_operation().await);

    println!("propagate() returned {:?}", propagate().await);

    // Dropped after half a second, at the `.await` inside `might_fail`: the
    // `?` line never runs, but the guard does.
    if timeout(Duration::from_millis(500), propagate())
        .await
        .is_err()
    {
        println!("propagate() was cancelled by a timeout");
    }
}
