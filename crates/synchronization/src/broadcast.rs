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
use tokio::time::sleep;
use tokio_util::task::JoinQueue;

const CAPACITY: usize = 4;

async fn subscriber(
    mut messages: broadcast::Receiver<String>,
    start_after: Duration,
) -> Vec<String> {
    sleep(start_after).await;
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
    let subscribers = [("fast-a", 0), ("fast-b", 0), ("slow", 1000)];
    // In the order spawned, which a `JoinQueue` keeps.
    let mut tasks = JoinQueue::new();
    for (_, millis) in subscribers {
        tasks.spawn(subscriber(
            sender.subscribe(),
            Duration::from_millis(millis),
        ));
    }

    for i in 1..=8 {
        let receivers = sender
            .send(format!("tick {i}"))
            .context("every subscriber is gone")?;
        assert_eq!(receivers, subscribers.len());
        sleep(Duration::from_millis(100)).await;
    }
    // Dropping the only sender closes the channel once receivers drain it.
    drop(sender);

    let mut logs = Vec::new();
    while let Some(log) = tasks.join_next().await {
        logs.push(log.context("a subscriber panicked")?);
    }
    for ((name, _), log) in subscribers.iter().zip(logs) {
        println!("{name}: {}", log.join(", "));
    }
    Ok(())
}
