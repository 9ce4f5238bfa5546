//! `asyncio.gather` for a fixed set of futures (`join!`) and for a list of
//! tasks (`join_all`): results come back in the order given.
//!
//! Translates:
//! - *Async/Await in Python*, "Task Management"
//! - *Python Async/Await*, "Tasks" (`run_tasks`)
//! - *Asynchronous Programming in Python*, "Running Multiple Tasks"
//!
//! `gather` wraps each coroutine in a task. `tokio::join!` does not spawn: it
//! polls the futures in place, inside the current task, so they run
//! concurrently but never in parallel, may borrow local data, and are
//! cancelled together if the `join!` is dropped. To gather tasks that are
//! already spawned, pass their handles to `futures::future::join_all`.
//! The section `concurrency` compares these with `JoinSet`.
//!
//! When several futures become ready at the same instant, the one polled
//! first prints first. `tokio::join!` rotates which future it polls first, for
//! fairness; `biased;` makes it poll in the order written, which is the order
//! asyncio runs callbacks due at the same time.

use std::time::Duration;

use futures::future::join_all;
use tokio::task::JoinError;
use tokio::time::sleep;

async fn worker(name: &str, work_time: Duration) -> String {
    println!("{name} started");
    sleep(work_time).await;
    println!("{name} completed");
    format!("Result from {name}")
}

async fn long_operation() -> &'static str {
    sleep(Duration::from_secs(2)).await;
    "Done"
}

pub async fn run() -> Result<(), JoinError> {
    let results = tokio::join!(
        biased;
        worker("Worker-A", Duration::from_secs(1)),
        worker("Worker-B", Duration::from_secs(2)),
        worker("Worker-C", Duration::from_millis(1500)),
    );
    println!("Results: {results:?}");

    let tasks: Vec<_> = (0..3).map(|_| tokio::spawn(long_operation())).collect();
    // Each handle yields `Result<_, JoinError>`; collecting into one `Result`
    // stops at the first task that panicked, as `gather` re-raises.
    let results = join_all(tasks)
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    println!("{results:?}");
    Ok(())
}
