//! A task's return value comes back through its `JoinHandle`.
//!
//! `JoinHandle<T>` is typed: awaiting the handle of `calculate` gives
//! `Result<u32, JoinError>`, checked where it is used. Both tasks sleep a
//! second at the same time, so collecting both takes one second, not two.
//! A cancelled `run` leaves them running (the book's page "Cancellation").
//!
//! Translates:
//! - *Python Async Programming: A Detailed Guide*, "Getting Task Results"

use std::time::Duration;

use tokio::task::JoinError;
use tokio::time::{Instant, sleep};

async fn calculate(x: u32, y: u32) -> u32 {
    sleep(Duration::from_secs(1)).await;
    x + y
}

pub async fn run() -> Result<(), JoinError> {
    let start = Instant::now();
    let task1 = tokio::spawn(calculate(5, 3));
    let task2 = tokio::spawn(calculate(10, 20));

    let result1 = task1.await?;
    let result2 = task2.await?;

    println!("Results: {result1}, {result2}");
    println!("Both results after {:.1}s", start.elapsed().as_secs_f64());
    Ok(())
}
