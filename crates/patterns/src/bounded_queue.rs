//! A bounded channel applies backpressure: once it holds five items, the
//! producer's `send` waits until a consumer takes one. And two ways for a
//! consumer to stop: a timeout on `recv`, as the guide does, or the channel
//! closing, which is the better one.
//!
//! `asyncio.Queue(maxsize=5)` is `mpsc::channel(5)`; the consumers share its
//! one receiver behind a mutex held across `recv`, safe only while each is
//! polled to its end (a `join!` branch here, or a task). The first run is the
//! guide's: consumers stop after two idle seconds (`timeout` around `recv`,
//! which is cancel safe), an exit that waits and guesses. The second ends when
//! the producer drops its sender: each consumer stops when `recv()` gives
//! `None`, the channel drained, at once and never early; and slow consumers
//! show the producer slowed to their pace once the queue is full. `len()`,
//! `is_empty()` and `max_capacity()` are `qsize()`, `empty()` and `maxsize`.
//!
//! Translates:
//! - *Async/Await in Python*, "Producer-Consumer"

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, ensure};
use tokio::sync::{Mutex, mpsc};
use tokio::time::{Instant, sleep, sleep_until, timeout};

const CAPACITY: usize = 5;

type SharedReceiver = Arc<Mutex<mpsc::Receiver<String>>>;

/// Sends `count` items 0.1 s apart, waiting whenever the channel is full.
/// With `start`, each line carries the time it was printed.
async fn producer(
    queue: mpsc::Sender<String>,
    name: &str,
    count: usize,
    start: Option<Instant>,
) -> anyhow::Result<Vec<String>> {
    let mut produced = Vec::new();
    for i in 0..count {
        let item = format!("{name}-Item-{i}");
        queue
            .send(item.clone())
            .await
            .context("every consumer has stopped")?;
        match start {
            Some(start) => println!("{} Produced: {item}", stamp(start)),
            None => println!("Produced: {item}"),
        }
        produced.push(item);
        sleep(Duration::from_millis(100)).await;
    }
    Ok(produced)
}

/// The guide's consumer: takes items until none has come for `idle`.
async fn consumer_until_idle(queue: SharedReceiver, name: &str, idle: Duration) -> Vec<String> {
    let mut consumed = Vec::new();
    // `Ok(None)` would mean the channel closed; `Err(Elapsed)` is the guide's
    // `TimeoutError`.
    while let Ok(Some(item)) = timeout(idle, async { queue.lock().await.recv().await }).await {
        println!("{name} consumed: {item}");
        consumed.push(item);
    }
    consumed
}

/// Takes items until the channel is closed and drained, spending `work` on
/// each.
async fn consumer(
    queue: SharedReceiver,
    name: &str,
    work: Duration,
    start: Instant,
) -> Vec<String> {
    let mut consumed = Vec::new();
    loop {
        // The guard is a temporary of this statement: the next consumer may
        // take an item while this one works.
        let next = queue.lock().await.recv().await;
        let Some(item) = next else { break };
        println!("{} {name} consumed: {item}", stamp(start));
        consumed.push(item);
        sleep(work).await;
    }
    consumed
}

pub async fn run() -> anyhow::Result<()> {
    // The guide's program: the consumers stop after two idle seconds.
    let start = Instant::now();
    let (sender, receiver) = mpsc::channel(CAPACITY);
    let receiver = Arc::new(Mutex::new(receiver));
    let keep_open = sender.clone();
    let idle = Duration::from_secs(2);
    // `join!` runs the three in this task, like the guide's `gather`. With
    // `biased;` it polls them in the order written: the consumers first, so
    // both are in line at the mutex before the first item comes, and they
    // take turns from the first item on, as the guide's do. (The guide lists
    // the producer first; polled first here, it would hand Consumer-1 two
    // items in a row, Consumer-1 being back in `recv`, holding the mutex,
    // before Consumer-2 had asked.)
    let (consumed_1, consumed_2, produced) = tokio::join!(
        biased;
        consumer_until_idle(receiver.clone(), "Consumer-1", idle),
        consumer_until_idle(receiver.clone(), "Consumer-2", idle),
        producer(sender, "Producer", 10, None),
    );
    drop(keep_open);
    println!(
        "{} Both consumers gave up after {}s without an item",
        stamp(start),
        idle.as_secs()
    );
    check(produced?, [consumed_1, consumed_2])?;

    // Slow consumers, and a channel that closes when the producer returns.
    println!();
    let start = Instant::now();
    let (sender, receiver) = mpsc::channel(CAPACITY);
    let receiver = Arc::new(Mutex::new(receiver));
    let work = Duration::from_secs(1);
    let (consumed_1, consumed_2, produced, ()) = tokio::join!(
        biased;
        consumer(receiver.clone(), "Consumer-1", work, start),
        consumer(receiver.clone(), "Consumer-2", work, start),
        producer(sender, "Producer", 10, Some(start)),
        async {
            // By 0.6 s the producer has filled the queue; from 0.7 s it waits
            // in `send`, until a consumer finishes its first item at 1.0 s.
            // Both consumers are working then, so the lock is free.
            sleep_until(start + Duration::from_millis(800)).await;
            let queue = receiver.lock().await;
            println!(
                "{} Queue holds {} of {}, {} free: the producer waits",
                stamp(start),
                queue.len(),
                queue.max_capacity(),
                queue.capacity()
            );
        },
    );
    let produced = produced?;
    println!(
        "{} Produced {}; Consumer-1 took {}, Consumer-2 took {}; the channel closed",
        stamp(start),
        produced.len(),
        consumed_1.len(),
        consumed_2.len()
    );
    check(produced, [consumed_1, consumed_2])
}

fn stamp(start: Instant) -> String {
    format!("[{:.1}s]", start.elapsed().as_secs_f64())
}

/// Every item produced was consumed, once.
fn check(mut produced: Vec<String>, consumed: [Vec<String>; 2]) -> anyhow::Result<()> {
    let mut consumed = consumed.concat();
    produced.sort();
    consumed.sort();
    ensure!(produced == consumed, "items lost or consumed twice");
    Ok(())
}
