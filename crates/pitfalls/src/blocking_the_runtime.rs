//! Blocking the runtime: a heartbeat ticks every 100 ms while a task awaits
//! `tokio::time::sleep`, and never while one blocks in `std::thread::sleep`.
//!
//! The runtime, like asyncio's loop, switches tasks only at an `.await`:
//! `std::thread::sleep` holds the thread, and the heartbeat cannot run until
//! it returns. The blocking call runs in a spawned task, as in a server's
//! handler; on the multi-thread runtime it holds one worker while the
//! heartbeat ticks on another: harder to notice, not harmless (the book's
//! page "Blocking work"). The fix is `spawn_blocking`.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Avoiding Common Mistakes" (pitfall 2, blocking operations)

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::task::JoinError;
use tokio::time::{Instant, MissedTickBehavior, interval_at, sleep};
use tokio_util::task::AbortOnDropHandle;

const TICK: Duration = Duration::from_millis(100);
const WAIT: Duration = Duration::from_millis(500);

async fn blocking_operations_good() -> &'static str {
    sleep(WAIT).await;
    "good"
}

async fn blocking_operations_bad() -> &'static str {
    std::thread::sleep(WAIT);
    "bad"
}

pub async fn run() -> Result<(), JoinError> {
    let ticks = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&ticks);
    // Ticks at 50 ms, 150 ms, ...: halfway between the main task's deadlines,
    // so no tick is due at the same instant as the end of a wait.
    let mut every_tick = interval_at(Instant::now() + TICK / 2, TICK);
    // Ticks a blocked thread misses stay missed: the default, `Burst`,
    // would fire them back to back once the heartbeat ran again.
    every_tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    // It beats for ever, so its handle aborts it when dropped: at the end,
    // or wherever `run` is cancelled or panics.
    let _heartbeat = AbortOnDropHandle::new(tokio::spawn(async move {
        loop {
            every_tick.tick().await;
            counter.fetch_add(1, Ordering::SeqCst);
        }
    }));

    // Each wait in a task of its own, which counts the ticks around it.
    // While it sleeps, the heartbeat's ticks come due before its end: on a
    // machine that holds the process up past both, the tick's timer fires
    // first, and the current-thread runtime runs tasks in the order woken
    // (its behaviour "at the time of writing"), so the wait still sees a
    // tick. (`run()` itself is polled by `block_on`, ahead of the tasks
    // woken with it.) On the multi-thread runtime another worker may read
    // the count first: then no tick ran in the wait, and it says so. Its
    // handle aborts it if `run` is cancelled while it waits.
    let waiting = Arc::clone(&ticks);
    let (result, during) = AbortOnDropHandle::new(tokio::spawn(async move {
        let before = waiting.load(Ordering::SeqCst);
        let result = blocking_operations_good().await;
        (result, waiting.load(Ordering::SeqCst) - before)
    }))
    .await?;
    println!("Non-blocking result: {result}");
    println!(
        "Heartbeat ran during tokio::time::sleep(500ms): {}",
        yes_or_no(during)
    );
    let one_thread = Handle::current().metrics().num_workers() == 1;
    assert!(
        during > 0 || !one_thread,
        "the heartbeat never ran while the task slept"
    );

    // The blocking call never suspends, so both counts are taken in one
    // poll, and only a heartbeat on another thread can tick in between.
    let (result, during) = tokio::spawn(async move {
        let before = ticks.load(Ordering::SeqCst);
        let result = blocking_operations_bad().await;
        (result, ticks.load(Ordering::SeqCst) - before)
    })
    .await?;
    println!("Blocking result: {result}");
    println!(
        "Heartbeat ran during std::thread::sleep(500ms): {}",
        yes_or_no(during)
    );
    if one_thread {
        // The blocked task held the runtime's only thread for tasks.
        assert_eq!(during, 0);
    } else if during > 0 {
        println!(
            "(the heartbeat ran on another worker thread: the blocked task held only its own)"
        );
    }
    Ok(())
}

/// Whether the heartbeat ran, not how often: on the real clock a busy
/// machine can run a tick after the wait it was due in has ended, and the
/// count would say more about the machine than the code.
fn yes_or_no(ticks: u32) -> &'static str {
    if ticks > 0 { "yes" } else { "no" }
}

#[cfg(test)]
mod tests {
    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn the_blocking_call_holds_the_only_worker() {
        super::run().await.expect("the blocking task ends");
    }
}
