//! `watch` for a configuration reload: a receiver always finds the latest
//! value and skips the ones sent while it was busy; a `broadcast` receiver
//! gets every value, in order.
//!
//! Beyond the guides: Python keeps the configuration in a shared attribute and
//! wakes its readers with an `Event`. A `watch` channel holds one value:
//! `changed()` waits for one this receiver has not seen, and values sent while
//! it was busy are not queued, so the `watch` worker applies the first and the
//! newest and skips the two between; the `broadcast` worker applies all three
//! and finishes 0.9 s later. The `Ref` from `borrow` holds a read lock: clone
//! out of it at once.

use std::time::Duration;

use anyhow::Context;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::watch;
use tokio::time::{Instant, sleep, sleep_until};
use tokio_util::task::JoinQueue;

#[derive(Clone, Debug)]
struct Config {
    version: u32,
    max_connections: usize,
}

/// The last reload, at 0.3 s, comes 0.5 s before the `watch` worker is done
/// with the first configuration, so it skips the same two on a machine too
/// busy to keep time.
const APPLY: Duration = Duration::from_millis(800);

/// Applies the current configuration, then each new one it finds.
async fn apply_latest(mut config: watch::Receiver<Config>, start: Instant) -> Vec<String> {
    let mut applied = Vec::new();
    loop {
        // Cloned, so the read lock is released before the `.await` below.
        let current = config.borrow_and_update().clone();
        applied.push(format!("v{} at {}", current.version, seconds(start)));
        sleep(APPLY).await;
        if config.changed().await.is_err() {
            return applied;
        }
    }
}

/// Applies every configuration sent, in order.
async fn apply_every(mut configs: broadcast::Receiver<Config>, start: Instant) -> Vec<String> {
    let mut applied = Vec::new();
    loop {
        match configs.recv().await {
            Ok(config) => {
                applied.push(format!("v{} at {}", config.version, seconds(start)));
                sleep(APPLY).await;
            }
            Err(RecvError::Lagged(missed)) => applied.push(format!("({missed} missed)")),
            Err(RecvError::Closed) => return applied,
        }
    }
}

pub async fn run() -> anyhow::Result<()> {
    let start = Instant::now();
    let config = |version: u32| Config {
        version,
        max_connections: 10 * version as usize,
    };
    let (watch_sender, watch_receiver) = watch::channel(config(1));
    let (broadcast_sender, broadcast_receiver) = broadcast::channel(4);
    // The two workers, in the order spawned, which a `JoinQueue` keeps.
    let mut workers = JoinQueue::new();
    workers.spawn(apply_latest(watch_receiver, start));
    workers.spawn(apply_every(broadcast_receiver, start));

    let reloads = [(2, 100), (3, 200), (4, 300)];
    println!(
        "Reloads: {}; applying one takes {:.1}s",
        reloads
            .map(|(version, millis)| format!("v{version} at {:.1}s", millis as f64 / 1000.0))
            .join(", "),
        APPLY.as_secs_f64()
    );
    for (version, millis) in reloads {
        sleep_until(start + Duration::from_millis(millis)).await;
        // `send` fails only when every receiver is gone.
        watch_sender
            .send(config(version))
            .context("the watch worker is gone")?;
        broadcast_sender
            .send(config(version))
            .context("the broadcast worker is gone")?;
    }

    sleep_until(start + Duration::from_millis(400)).await;
    let late = watch_sender.subscribe();
    let late_config = late.borrow().clone();
    let mut late_events = broadcast_sender.subscribe();
    println!(
        "[{}] subscribed now: watch's borrow() gives v{} (max_connections {}), \
         broadcast's try_recv() gives {:?}",
        seconds(start),
        late_config.version,
        late_config.max_connections,
        late_events.try_recv()
    );
    // Dropping the senders ends both workers once they are done.
    drop((watch_sender, broadcast_sender));

    let mut applied = Vec::new();
    while let Some(worker) = workers.join_next().await {
        applied.push(worker.context("a worker panicked")?);
    }
    for (name, applied) in ["watch:    ", "broadcast:"].into_iter().zip(applied) {
        println!("{name} applied {}", applied.join(", "));
    }
    Ok(())
}

// Timestamps for the output.

fn seconds(start: Instant) -> String {
    format!("{:.1}s", start.elapsed().as_secs_f64())
}
