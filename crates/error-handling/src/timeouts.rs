//! `asyncio.wait_for(aw, d)` and `asyncio.timeout(d)` are
//! `tokio::time::timeout(d, future)`, `asyncio.timeout_at(when)` is
//! `timeout_at(when, future)`, and a future that runs out of time is
//! dropped: cancelled.
//!
//! `tokio::time::timeout(duration, future)` resolves to `Ok(output)`, or, if
//! the time runs out first, to `Err(Elapsed)`. At that moment the inner
//! future is dropped: it stops at the `.await` where it was waiting, never
//! resumes, and its destructors run, which is what `wait_for` does to its
//! awaitable by cancelling it. Unlike Python, there is no exception inside
//! the inner future to catch or, by mistake, to swallow.
//!
//! `async with asyncio.timeout(2):` sets one deadline, two seconds from now,
//! for a whole block. In Rust, wrap the block in an `async { }` and pass that
//! to `timeout`. For an absolute deadline, as with `asyncio.timeout_at`, fix
//! an `Instant` once and give each step `timeout_at(deadline, step)`, so all
//! steps share the same budget.
//!
//! A timeout can only fire while the future is waiting. `timeout` polls the
//! inner future first and looks at the clock only when it returns `Pending`,
//! so a future that runs for a long time without reaching an `.await` that
//! waits (a CPU loop, a blocking call) can't be interrupted: it runs on
//! until it next waits, and if it finishes first, the result is `Ok`,
//! however late. asyncio has the same limit: cancellation is delivered at an
//! `await`.
//!
//! The first mistake a Python developer makes: `asyncio.wait_for(task, d)`
//! cancels the task when the time is up, but `timeout(d, join_handle)` only
//! drops the `JoinHandle`, and dropping a handle detaches the task, which
//! runs on. Keep the handle, time out on `&mut handle`, and call
//! `handle.abort()` on `Err(Elapsed)`. Awaiting the handle after that waits
//! until the task has been dropped at its `.await`, and gives a `JoinError`
//! whose `is_cancelled()` is true (or the task's output, if it finished
//! before the abort reached it). If the code holding the handle can itself
//! be cancelled, the handle is dropped before `abort` is reached; wrapping it
//! in `tokio_util::task::AbortOnDropHandle` makes dropping it abort the task.
//!
//! In the guide `long_operation` is not defined; here it takes ten seconds,
//! so the five-second `wait_for` fires.
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
