//! `call_soon`, `call_later` and `call_at` as spawned tasks that sleep
//! first: `sleep` for a delay, `sleep_until` for a deadline.
//!
//! asyncio can schedule a plain function on the loop; Tokio schedules only
//! futures, so a callback becomes a small task. `call_soon` is a task that
//! does not sleep, so it runs as soon as the runtime gets to it;
//! `call_later(1, ...)` sleeps one second first; and
//! `call_at(loop.time() + 2, ...)` sleeps until an `Instant`, Tokio's
//! `loop.time()`. The handle `spawn` returns can `abort()` the task, as
//! `TimerHandle.cancel()` does.
//!
//! The guide prints `time.time()`, seconds since 1970, which differ on every
//! run. This prints the time since the callbacks were scheduled instead. The
//! callbacks run in the order of their deadlines, which all differ: neither
//! Tokio nor asyncio promises an order for timers due at the same instant
//! (asyncio keeps its timers in a heap, which does not preserve the order
//! they were set in), so callbacks that must run in order need distinct
//! deadlines, or one task that calls them in turn.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Event Loop Lifecycle" (the callbacks)

use std::time::Duration;

use tokio::task::JoinError;
use tokio::time::{Instant, sleep, sleep_until};
use tokio_util::task::AbortOnDropHandle;

fn callback(start: Instant, name: &str) {
    println!(
        "Callback {name} executed at {:.1}s",
        start.elapsed().as_secs_f64()
    );
}

pub async fn run() -> Result<(), JoinError> {
    let start = Instant::now();

    // Each is aborted when dropped: a cancelled `run` leaves no task running
    // (`concurrency/shield` says why a plain `JoinHandle` would).

    // loop.call_soon(callback, "soon")
    let soon = AbortOnDropHandle::new(tokio::spawn(async move { callback(start, "soon") }));
    // loop.call_later(1, callback, "later")
    let later = AbortOnDropHandle::new(tokio::spawn(async move {
        sleep(Duration::from_secs(1)).await;
        callback(start, "later");
    }));
    // loop.call_at(loop.time() + 2, callback, "at_time")
    let at_time = AbortOnDropHandle::new(tokio::spawn(async move {
        sleep_until(start + Duration::from_secs(2)).await;
        callback(start, "at_time");
    }));
    // handle = loop.call_later(1.5, ...); handle.cancel()
    let cancelled = AbortOnDropHandle::new(tokio::spawn(async move {
        sleep(Duration::from_millis(1500)).await;
        callback(start, "cancelled");
    }));
    cancelled.abort();

    // The guide waits with `await asyncio.sleep(3)`; awaiting the handles
    // waits exactly as long as needed and reports a callback that panicked.
    soon.await?;
    later.await?;
    at_time.await?;
    match cancelled.await {
        Err(error) if error.is_cancelled() => println!("Callback cancelled never ran"),
        other => other?,
    }
    println!(
        "All callbacks done at {:.1}s",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
