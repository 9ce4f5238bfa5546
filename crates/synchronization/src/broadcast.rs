//! `broadcast`: every subscriber receives every message, and a subscriber
//! that falls more than the channel's capacity behind learns how many it
//! missed.
//!
//! asyncio has no broadcast queue; Python fans out with one `Queue` per
//! consumer. The channel keeps the last `capacity` messages (rounded up to a
//! power of two; 0 panics), the sender never waits, and a receiver further
//! behind gets `RecvError::Lagged(n)`, then the oldest message still kept.
//! See the book's page "Queues and channels".

use std::time::Duration;

use anyhow::Context;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::oneshot;
use tokio::time::sleep;
use tokio_util::task::JoinQueue;

const CAPACITY: usize = 4;

/// Reads every message until the channel closes; given `start`, it starts
/// reading only once that fires, as far behind as what was sent before.
async fn subscriber(
    mut messages: broadcast::Receiver<String>,
    start: Option<oneshot::Receiver<()>>,
) -> Vec<String> {
    if let Some(start) = start {
        // `Err`: the signal's sender is gone. Read from here anyway.
        start.await.ok();
    }
    let mut log = Vec::new();
    loop {
        match messages.recv().await {
            Ok(message) => log.push(message),
            Err(RecvError::Lagged(missed)) => log.push(format!("(missed {missed})")),
            Err(RecvError::Closed) => return log,
        }
    }
}

pub async fn run() -> anyhow::Result<()> {
    let (sender, _) = broadcast::channel(CAPACITY);
    let names = ["fast-a", "fast-b", "slow"];
    // The slow subscriber starts reading when told, once the last tick is
    // sent: not after a sleep, which a busy machine could end before the
    // sender's last.
    let (start_slow, slow_start) = oneshot::channel();
    // In the order spawned, which a `JoinQueue` keeps.
    let mut tasks = JoinQueue::new();
    for start in [None, None, Some(slow_start)] {
        tasks.spawn(subscriber(sender.subscribe(), start));
    }

    for i in 1..=8 {
        let receivers = sender
            .send(format!("tick {i}"))
            .context("every subscriber is gone")?;
        assert_eq!(receivers, names.len());
        // Each tick wakes the fast subscribers, which read it while this
        // task sleeps.
        sleep(Duration::from_millis(100)).await;
    }
    // `Err`: the slow subscriber is gone, a panic the join below reports.
    start_slow.send(()).ok();
    // Dropping the only sender closes the channel once receivers drain it.
    drop(sender);

    let mut logs = Vec::new();
    while let Some(log) = tasks.join_next().await {
        logs.push(log.context("a subscriber panicked")?);
    }
    for (name, log) in names.into_iter().zip(logs) {
        println!("{name}: {}", log.join(", "));
    }
    Ok(())
}
