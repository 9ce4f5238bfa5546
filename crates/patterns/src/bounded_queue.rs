//! A bounded channel applies backpressure: once it holds five items, the
//! producer's `send` waits until a consumer takes one. And two ways for a
//! consumer to stop: a timeout on `recv`, as the guide does, or the channel
//! closing, which is the better one.
//!
//! The guide's `asyncio.Queue(maxsize=5)` is `mpsc::channel(5)`. A full
//! queue makes `send(..).await` wait, so a producer can't run ahead of its
//! consumers by more than the queue's capacity and memory stays bounded.
//!
//! The first run is the guide's program: one producer, ten items 0.1 s
//! apart, two consumers that take no time and stop when no item has come
//! for two seconds. `asyncio.wait_for(queue.get(), timeout=2.0)` is
//! `timeout(Duration::from_secs(2), rx.recv())`; `recv` is cancel safe, so a
//! timeout that fires while it waits loses no item. The two consumers share
//! the one `Receiver` behind a mutex, as in `many_producers_consumers`; the
//! mutex is fair, and asyncio serves waiting `get`s in order too, so the
//! consumers take turns and the lines are the guide's, in the guide's order.
//! The guide's queue can't be closed (`Queue.shutdown` came in Python 3.13),
//! so here a spare sender keeps the channel open, as the guide's queue
//! stays open, and only the timeout ends the consumers.
//!
//! That exit has two costs. It waits two idle seconds after the last item,
//! and it guesses: if the producer ever paused for longer than the timeout,
//! the consumers would stop early and the rest of the work would sit in the
//! queue, unprocessed, without an error. The second run ends the other way:
//! the producer's sender is its only one, so when the producer returns the
//! channel closes, and each consumer stops when `recv()` gives `None`, once
//! the channel is drained: at once, and never early. In the guide the
//! consumers take no time, so the limit of five is never reached; in the
//! second run each item takes them a second, and the timestamps show the
//! producer slow down from one item per 0.1 s to the consumers' pace once
//! the queue fills.
//!
//! asyncio's `queue.qsize()`, `queue.empty()` and `queue.maxsize` are
//! `Receiver::len()`, `is_empty()` and `max_capacity()`, and `capacity()`
//! gives the free slots (`Sender` has `max_capacity()` and `capacity()`
//! too). The second run prints them at 0.8 s, while the queue is full and
//! the producer waits.
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
    // take turns from the first item on, as the guide's do.
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
