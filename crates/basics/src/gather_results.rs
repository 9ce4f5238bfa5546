//! `asyncio.gather` for a fixed set of futures (`join!`) and for a list of
//! tasks (`try_join_all`): results come back in the order given.
//!
//! `gather` wraps each coroutine in a task. `tokio::join!` does not spawn: it
//! polls the futures in place, inside the current task, so they run
//! concurrently but never in parallel, may borrow local data, and are
//! cancelled together if the `join!` is dropped. To gather tasks that are
//! already spawned, pass their handles to `futures::future::try_join_all`.
//! The section `concurrency` compares these with `JoinSet`.
//!
//! When several futures inside one `join!` are ready at the same time, the
//! one polled first prints first. `tokio::join!` rotates which future it
//! polls first, for fairness; `biased;` makes it poll them in the order
//! written, so the lines below come out in the same order on every run.
//!
//! Errors differ. `gather` raises the first exception as soon as it is
//! raised, and leaves the other tasks running. `try_join_all` over task
//! handles is documented to do the same: it returns the first `JoinError`
//! (a panicked or aborted task) as soon as it sees one, and dropping the
//! remaining handles only detaches their tasks. (It keeps that promise for a
//! short list only; [the cheat sheet](../cheatsheet.md#try-join-all-fails-fast)
//! says where it stops.) Collecting a finished `join_all` into one `Result`
//! never fails fast: it waits for every task, then picks the first error
//! in list order. The section `error-handling` shows failing futures.
//!
//! Translates:
//! - *Async/Await in Python*, "Task Management"
//! - *Python Async/Await*, "Tasks" (`run_tasks`)
//! - *Asynchronous Programming in Python*, "Running Multiple Tasks"

use std::time::Duration;

use futures::future::try_join_all;
use tokio::task::JoinError;
use tokio::time::sleep;

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
    let tasks: Vec<_> = (0..3).map(|_| tokio::spawn(long_operation())).collect();
    let results = try_join_all(tasks).await?;
    println!("{results:?}");
    Ok(())
}

pub async fn run() -> Result<(), JoinError> {
    task_management().await;
    run_tasks().await
}
