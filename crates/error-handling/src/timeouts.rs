//! `asyncio.timeout` and `wait_for` are `tokio::time::timeout_at` and
//! `timeout`, and a future that runs out of time is dropped: cancelled.
//!
//! Translates:
//! - *Python Async/Await*, "Timeout Handling"
//! - *Asynchronous Programming in Python*, "Timeouts"
//! - *Python Async Programming: A Detailed Guide*, "Timeout Handling"
//!
//! `tokio::time::timeout(duration, future)` resolves to `Ok(output)`, or, if
//! the time runs out first, to `Err(Elapsed)`. At that moment the inner
//! future is dropped: it stops at the `.await` where it was waiting, never
//! resumes, and its destructors run, which is what `wait_for` does to its
//! task by cancelling it. Unlike Python, there is no exception inside the
//! inner future to catch or, by mistake, to swallow.
//!
//! `async with asyncio.timeout(2):` sets one deadline for a whole block. In
//! Rust, either wrap the block in an `async { }` and pass that to `timeout`,
//! or fix a deadline once and give each step `timeout_at(deadline, step)`, so
//! all steps share the same budget.
//!
//! In the guide `long_operation` is not defined; here it takes ten seconds,
//! so the five-second `wait_for` fires.

use std::time::Duration;

use tokio::time::{Instant, sleep, timeout, timeout_at};

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

pub async fn run() {
    with_timeout().await;

    println!("wait_for returned {:?}", with_wait_for().await);

    match timeout(Duration::from_secs(2), slow_operation()).await {
        Ok(result) => println!("{result}"),
        Err(_elapsed) => println!("Operation timed out!"),
    }

    steps_with_one_deadline().await;
}
