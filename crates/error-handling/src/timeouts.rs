//! `wait_for`, `asyncio.timeout` and `timeout_at` are `tokio::time::timeout`
//! and `timeout_at`; a future that runs out of time is dropped: cancelled.
//!
//! `timeout` gives `Ok(output)` or `Err(Elapsed)`, dropping the future, with no
//! exception inside it to swallow. One deadline for several steps is `timeout`
//! on an `async { }` block, or `timeout_at` with one `Instant`. A timeout on a
//! `JoinHandle` leaves the task running (the book's page "Cancellation").
//!
//! Translates:
//! - *Python Async/Await*, "Timeout Handling"
//! - *Asynchronous Programming in Python*, "Timeouts"
//! - *Python Async Programming: A Detailed Guide*, "Timeout Handling"

use std::time::Duration;

use tokio::time::{Instant, sleep, timeout, timeout_at};

async fn long_task() -> &'static str {
    sleepy("long_task", Duration::from_secs(5)).await
}

/// The guide never defines `long_operation`; here it takes ten seconds.
async fn long_operation() -> &'static str {
    sleepy("long_operation", Duration::from_secs(10)).await
}

async fn slow_operation() -> &'static str {
    sleepy("slow_operation", Duration::from_secs(5)).await
}

/// `async with asyncio.timeout(2):` around a block.
async fn with_timeout() {
    let block = async {
        let result = long_task().await;
        println!("{result}");
    };
    if timeout(Duration::from_secs(2), block).await.is_err() {
        println!("Task took too long!");
    }
}

/// `asyncio.wait_for(long_operation(), timeout=5.0)`, returning `None` on timeout.
async fn with_wait_for() -> Option<&'static str> {
    match timeout(Duration::from_secs(5), long_operation()).await {
        Ok(result) => Some(result),
        Err(_elapsed) => {
            println!("Operation timed out");
            None
        }
    }
}

/// One deadline shared by several steps, each bounded by what is left of it.
async fn steps_with_one_deadline() {
    let start = Instant::now();
    let deadline = start + Duration::from_secs(2);
    for step in ["step 1", "step 2"] {
        match timeout_at(deadline, sleepy(step, Duration::from_millis(1500))).await {
            Ok(_) => println!("{step} finished at {:.1}s", start.elapsed().as_secs_f64()),
            Err(_elapsed) => println!("{step} ran past the shared deadline"),
        }
    }
}

/// A task that prints when it finishes, however long after its caller
/// stopped waiting.
async fn report(name: &'static str, duration: Duration) {
    let start = Instant::now();
    sleep(duration).await;
    println!(
        "{name} finished after {:.1}s",
        start.elapsed().as_secs_f64()
    );
}

/// `asyncio.wait_for(task, 1)` cancels the task; a `timeout` on a
/// `JoinHandle` does not.
async fn timeout_on_a_task() {
    // The mistake: the elapsed timeout drops the handle, and the task runs on.
    let detached = tokio::spawn(report("detached task", Duration::from_secs(3)));
    if timeout(Duration::from_secs(1), detached).await.is_err() {
        println!("timeout(1s, handle) elapsed; the task was not cancelled");
    }

    // The fix: keep the handle, and abort the task when the time is up.
    let mut handle = tokio::spawn(sleepy("aborted task", Duration::from_secs(3)));
    if timeout(Duration::from_secs(1), &mut handle).await.is_err() {
        handle.abort();
        match handle.await {
            Err(error) if error.is_cancelled() => println!("aborted task: cancelled"),
            other => println!("aborted task: {other:?}"),
        }
    }

    // Nothing waits for the detached task, but it still runs to its end.
    sleep(Duration::from_millis(1500)).await;
}

pub async fn run() {
    with_timeout().await;

    println!("wait_for returned {:?}", with_wait_for().await);

    match timeout(Duration::from_secs(2), slow_operation()).await {
        Ok(result) => println!("{result}"),
        Err(_elapsed) => println!("Operation timed out!"),
    }

    steps_with_one_deadline().await;

    timeout_on_a_task().await;
}

// What shows the cancellation: a sleep that says so when it is dropped
// before it finishes.

async fn sleepy(name: &'static str, duration: Duration) -> &'static str {
    let mut guard = Unfinished {
        name,
        start: Instant::now(),
        finished: false,
    };
    sleep(duration).await;
    guard.finished = true;
    "Done"
}

/// Announces its own drop if that happens before it finishes.
struct Unfinished {
    name: &'static str,
    start: Instant,
    finished: bool,
}

impl Drop for Unfinished {
    fn drop(&mut self) {
        if !self.finished {
            let after = self.start.elapsed().as_secs_f64();
            println!(
                "{} was dropped after {after:.1}s, before it finished",
                self.name
            );
        }
    }
}
