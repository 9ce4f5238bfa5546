//! `asyncio.gather` for a fixed set of futures (`join!`) and for a list of
//! tasks (`try_join_all`): results come back in the order given.
//!
//! `join!` spawns nothing: it polls its futures in the current task, so they
//! may borrow local data and are cancelled with it. `try_join_all` over task
//! handles returns the first error, as `gather` does (at once only on a short
//! list: the book's page "Cheat sheet: asyncio to Tokio"). Its handles are
//! `AbortOnDropHandle`s, so on an error the tasks still running stop with them,
//! where `gather` leaves them running (the book's page "Cancellation").
//!
//! Translates:
//! - *Async/Await in Python*, "Task Management"
//! - *Python Async/Await*, "Tasks" (`run_tasks`)
//! - *Asynchronous Programming in Python*, "Running Multiple Tasks"

use std::time::Duration;

use futures::future::try_join_all;
use tokio::task::JoinError;
use tokio::time::sleep;
use tokio_util::task::AbortOnDropHandle;

async fn worker(name: &str, work_time: Duration) -> String {
    println!("{name} started");
    sleep(work_time).await;
    println!("{name} completed");
    format!("Result from {name}")
}

/// *Python Async/Await*'s. *Asynchronous Programming in Python* gathers
/// three tasks of its `fetch_data` (one second, `"Data"`) the same way.
async fn long_operation() -> &'static str {
    sleep(Duration::from_secs(2)).await;
    "Done"
}

/// *Async/Await in Python*'s `task_management`: `gather` of three
/// coroutines.
async fn task_management() {
    // `biased;` polls the three in the order written, so they start in it.
    let (result_a, result_b, result_c) = tokio::join!(
        biased;
        worker("Worker-A", Duration::from_secs(1)),
        worker("Worker-B", Duration::from_secs(2)),
        worker("Worker-C", Duration::from_millis(1500)),
    );
    println!("Results: {:?}", [result_a, result_b, result_c]);
}

/// *Python Async/Await*'s `run_tasks`: `gather` of three tasks.
async fn run_tasks() -> Result<(), JoinError> {
    let tasks = (0..3).map(|_| AbortOnDropHandle::new(tokio::spawn(long_operation())));
    let results = try_join_all(tasks).await?;
    println!("{results:?}");
    Ok(())
}

pub async fn run() -> Result<(), JoinError> {
    task_management().await;
    run_tasks().await
}
