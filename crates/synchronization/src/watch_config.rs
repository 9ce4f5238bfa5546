//! A config reload with `watch`: every reader sees the latest value and
//! nothing queues, where a `broadcast` channel delivers every value to every
//! receiver.
//!
//! Beyond the guides: asyncio has no channel that keeps only the latest
//! value. Python code keeps the config in a shared attribute and wakes
//! whoever must react with an `asyncio.Event` or `asyncio.Condition`.
//!
//! `watch::channel(initial)` holds one value. Sending replaces it and wakes
//! every receiver, and nothing is queued. A receiver reads the current value
//! at any time with `borrow()`, as the request handler does, or waits with
//! `changed()` for a value it has not seen yet, as the pool does. The pool is
//! busy for 0.9 s after each change, and while it applies v2 two more reloads
//! arrive; when it asks again it sees only the later one, and v3 is never
//! applied. For state that is the point: nobody wants to apply a config that
//! has already been replaced.
//!
//! The audit log needs the opposite, every change in order, so the reloader
//! also sends each one on a `broadcast` channel, which keeps every value for
//! every receiver until it is received (up to the channel's capacity; a
//! receiver that falls further behind loses the oldest and is told how many,
//! as in `broadcast`). The audit log is slow too, and still gets v2, v3 and
//! v4.
//!
//! Details the docs spell out. `changed()` fails only once the sender is gone
//! *and* the latest value has been seen, so the pool still applies v4 after
//! the reloader has returned. The initial value counts as seen: `changed()`
//! waits for the first reload, so the pool applies the initial config before
//! its loop. `send` fails, and stores nothing, when no receiver exists;
//! `send_replace` stores the value regardless, which suits a config that
//! outlives its readers. And a `borrow()` holds a read lock on the value
//! until it is dropped, so a long borrow can block the sender: copy out what
//! you need (for a large config, make it a `watch::Sender<Arc<Config>>` and
//! clone the `Arc`).

use std::time::Duration;

use anyhow::Context;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::watch;
use tokio::time::{Instant, sleep};

#[derive(Clone, Debug)]
struct Config {
    version: u32,
    max_connections: usize,
}

/// Applies each config it sees, which takes 0.9 s: the latest value only.
async fn pool(mut config: watch::Receiver<Config>, clock: Instant) -> Vec<u32> {
    let mut applied = Vec::new();
    loop {
        // `borrow_and_update` marks this value seen, so `changed` waits for
        // a newer one; the clone ends the borrow before the `.await`.
        let current = config.borrow_and_update().clone();
        println!(
            "{} pool: resizing to {} connections (v{})",
            stamp(clock),
            current.max_connections,
            current.version
        );
        applied.push(current.version);
        sleep(Duration::from_millis(900)).await;
        if config.changed().await.is_err() {
            println!("{} pool: the config sender is gone", stamp(clock));
            return applied;
        }
    }
}

/// Reads the config when it needs it, without waiting for changes.
async fn serve_requests(config: watch::Receiver<Config>, clock: Instant) {
    for request in 1..=3 {
        sleep(Duration::from_secs(1)).await;
        let (version, max_connections) = {
            let current = config.borrow();
            (current.version, current.max_connections)
        };
        println!(
            "{} request {request}: config v{version}, up to {max_connections} connections",
            stamp(clock)
        );
    }
}

/// Records every change, taking 0.7 s over each: every value.
async fn audit_log(mut changes: broadcast::Receiver<Config>) -> anyhow::Result<Vec<u32>> {
    let mut recorded = Vec::new();
    loop {
        match changes.recv().await {
            Ok(change) => recorded.push(change.version),
            Err(RecvError::Lagged(missed)) => anyhow::bail!("missed {missed} changes"),
            Err(RecvError::Closed) => return Ok(recorded),
        }
        sleep(Duration::from_millis(700)).await;
    }
}

/// Saves three new configs, the last two in quick succession, then stops,
/// which drops both senders.
async fn reloader(
    config: watch::Sender<Config>,
    audit: broadcast::Sender<Config>,
    clock: Instant,
) -> anyhow::Result<()> {
    for (pause, max_connections) in [(1500, 20), (300, 30), (300, 40)] {
        sleep(Duration::from_millis(pause)).await;
        let version = config.borrow().version + 1;
        let new = Config {
            version,
            max_connections,
        };
        println!("{} reload: v{version} saved", stamp(clock));
        audit.send(new.clone()).context("the audit log is gone")?;
        config.send_replace(new);
    }
    Ok(())
}

fn stamp(clock: Instant) -> String {
    format!("[{:.1}s]", clock.elapsed().as_secs_f64())
}

fn versions(list: &[u32]) -> String {
    let names: Vec<String> = list.iter().map(|version| format!("v{version}")).collect();
    names.join(", ")
}

pub async fn run() -> anyhow::Result<()> {
    let clock = Instant::now();
    let (config, watcher) = watch::channel(Config {
        version: 1,
        max_connections: 10,
    });
    let (audit, changes) = broadcast::channel(8);

    let pool = tokio::spawn(pool(watcher.clone(), clock));
    let requests = tokio::spawn(serve_requests(watcher, clock));
    let audit_log = tokio::spawn(audit_log(changes));
    reloader(config, audit, clock).await?;

    requests.await.context("the request handler panicked")?;
    let applied = pool.await.context("the pool panicked")?;
    let recorded = audit_log.await.context("the audit log panicked")??;
    println!(
        "pool applied {} (watch: the latest value)",
        versions(&applied)
    );
    println!(
        "audit log recorded {} (broadcast: every value)",
        versions(&recorded)
    );
    Ok(())
}
