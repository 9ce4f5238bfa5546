//! Blocking the runtime: a heartbeat task ticks every 100 ms while the main
//! task waits with `tokio::time::sleep`, and never while it blocks the
//! thread with `std::thread::sleep`.
//!
//! The runtime, like asyncio's loop, switches tasks only at an `.await`.
//! `tokio::time::sleep(...).await` is one: the main task steps aside and the
//! heartbeat runs on time. `std::thread::sleep` is not: it holds the thread,
//! and nothing else runs on that thread while it lasts, so the heartbeat
//! misses every tick. Its interval is set to skip the ticks it missed
//! (`MissedTickBehavior::Skip`); by default (`Burst`) it would fire them
//! back to back once it ran again, and make up the count.
//!
//! That holds on a current-thread runtime, as on asyncio's one loop: the
//! runner's, or `#[tokio::main(flavor = "current_thread")]`. On the
//! multi-thread runtime of plain `#[tokio::main]`, the heartbeat runs on a
//! worker thread and goes on ticking while `run` blocks the thread that
//! called `block_on`: a blocking call holds only its own thread. The example
//! says so when it runs there. That is harder to notice, not harmless: each
//! blocked worker is one fewer for every other task, and once every worker
//! blocks, nothing runs.
//!
//! The tick counts are logical: exact on the paused clock, where
//! `std::thread::sleep` still takes real time but the paused clock does not
//! move during it, and the same on the real clock as long as no tick is more
//! than 50 ms late. The fix for real blocking work is
//! `spawn_blocking` (see `runtime/blocking_executor`). No compiler check
//! catches a blocking call inside an async fn; tokio-console's histogram of
//! each task's poll times shows the task whose polls take too long, and
//! `performance/profile_futures` measures them by hand.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Avoiding Common Mistakes" (pitfall 2,
//!   blocking operations)

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tokio::runtime::{Handle, RuntimeFlavor};
use tokio::time::{Instant, MissedTickBehavior, interval_at, sleep};
use tokio_util::task::AbortOnDropHandle;

const TICK: Duration = Duration::from_millis(100);
const WAIT: Duration = Duration::from_millis(500);

async fn blocking_operations_good() -> &'static str {
    sleep(WAIT).await;
    "good"
}

fn blocking_operations_bad() -> &'static str {
    std::thread::sleep(WAIT);
    "bad"
}

pub async fn run() {
    let ticks = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&ticks);
    // Ticks at 50 ms, 150 ms, ...: halfway between the main task's deadlines,
    // so no tick is due at the same instant as the end of a wait.
    let mut every_tick = interval_at(Instant::now() + TICK / 2, TICK);
    // The ticks a blocked thread misses (on the real clock) stay missed.
    // The default, `Burst`, would fire them all back to back as soon as the
    // heartbeat ran again, as if nothing had been missed; `Skip` fires the
    // late one and goes back to the schedule.
    every_tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    // It beats for ever, so its handle aborts it when dropped: at the end,
    // or wherever `run` is cancelled or panics.
    let _heartbeat = AbortOnDropHandle::new(tokio::spawn(async move {
        loop {
            every_tick.tick().await;
            counter.fetch_add(1, Ordering::SeqCst);
        }
    }));

    let before = ticks.load(Ordering::SeqCst);
    let result = blocking_operations_good().await;
    let during = ticks.load(Ordering::SeqCst) - before;
    println!("Non-blocking result: {result}");
    println!("Heartbeat ticks during tokio::time::sleep(500ms): {during}");
    assert_eq!(during, 5);

    let before = ticks.load(Ordering::SeqCst);
    let result = blocking_operations_bad();
    let during = ticks.load(Ordering::SeqCst) - before;
    println!("Blocking result: {result}");
    println!("Heartbeat ticks during std::thread::sleep(500ms): {during}");
    if Handle::current().runtime_flavor() == RuntimeFlavor::CurrentThread {
        assert_eq!(during, 0);
    } else {
        println!(
            "(the heartbeat ran on another worker thread: a blocking call holds only its own)"
        );
    }
}
