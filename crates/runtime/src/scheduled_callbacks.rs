//! `call_soon`, `call_later` and `call_at` as spawned tasks that sleep
//! first: `sleep` for a delay, `sleep_until` for a deadline.
//!
//! Tokio schedules only futures, so a callback is a small task: `call_soon`
//! does not sleep, `call_later(1, ...)` sleeps a second, `call_at` sleeps
//! until an `Instant`, and `abort()` is `TimerHandle.cancel()`. Neither runtime
//! promises an order for timers due at one instant: callbacks that must run in
//! order need distinct deadlines.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Event Loop Lifecycle" (the callbacks)

use std::time::Duration;

use tokio::task::JoinError;
use tokio::time::{Instant, sleep, sleep_until};
use tokio_util::task::JoinQueue;

/// Prints the time since the start, where the guide prints `time.time()`.
fn callback(start: Instant, name: &str) {
    println!(
        "Callback {name} executed at {:.1}s",
        start.elapsed().as_secs_f64()
    );
}

pub async fn run() -> Result<(), JoinError> {
    let start = Instant::now();

    // In a queue, which gives their ends in the order scheduled, and aborts
    // those still waiting if `run` is cancelled.
    let mut callbacks = JoinQueue::new();
    // loop.call_soon(callback, "soon")
    callbacks.spawn(async move { callback(start, "soon") });
    // loop.call_later(1, callback, "later")
    callbacks.spawn(async move {
        sleep(Duration::from_secs(1)).await;
        callback(start, "later");
    });
    // loop.call_at(loop.time() + 2, callback, "at_time")
    callbacks.spawn(async move {
        sleep_until(start + Duration::from_secs(2)).await;
        callback(start, "at_time");
    });
    // handle = loop.call_later(1.5, ...); handle.cancel()
    let cancelled = callbacks.spawn(async move {
        sleep(Duration::from_millis(1500)).await;
        callback(start, "cancelled");
    });
    cancelled.abort();

    // The guide waits with `await asyncio.sleep(3)`; awaiting the callbacks
    // waits exactly as long as needed and reports one that panicked.
    while let Some(ended) = callbacks.join_next().await {
        match ended {
            Err(error) if error.is_cancelled() => println!("Callback cancelled never ran"),
            other => other?,
        }
    }
    println!(
        "All callbacks done at {:.1}s",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
