//! A bounded channel applies backpressure (at five items, `send` waits), and
//! a consumer stops best when the channel closes, not on an idle timeout.
//!
//! `asyncio.Queue(maxsize=5)` is `async_channel::bounded(5)`: Tokio's `mpsc`
//! has one `Receiver`, and `async-channel`'s hands each item to one of several
//! consumers, each owning a clone. One left unpolled in a `select!` holds up
//! no other (the book's page "Queues and channels" says why).
//!
//! The guide's consumers stop after two idle seconds, an exit that waits and
//! guesses; the second run ends when the producer drops its sender, at once
//! and never early. `join!` polls Consumer-1 first, so it takes every item,
//! where asyncio's queue hands each to the consumer that has waited longest.
//!
//! Translates:
//! - *Async/Await in Python*, "Producer-Consumer"

use std::pin::pin;
use std::time::Duration;

use anyhow::{Context, ensure};
use async_channel::{Receiver, Sender};
use futures::StreamExt;
use tokio::time::{
    Instant, Interval, MissedTickBehavior, interval_at, sleep, sleep_until, timeout,
};

const CAPACITY: usize = 5;
/// The guide's producer's pause after each item.
const PAUSE: Duration = Duration::from_millis(100);

/// Sends `count` items, waiting whenever the channel is full, and `pause`
/// after each if given. With `start`, each line carries the time it was
/// printed.
async fn producer(
    queue: Sender<String>,
    name: &str,
    count: usize,
    pause: Option<Duration>,
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
        if let Some(pause) = pause {
            sleep(pause).await;
        }
    }
    Ok(produced)
}

/// The guide's consumer: takes items until none has come for `idle`.
async fn consumer_until_idle(queue: Receiver<String>, name: &str, idle: Duration) -> Vec<String> {
    // `next()` needs the stream pinned: a `Receiver` is `!Unpin`.
    let mut queue = pin!(queue);
    let mut consumed = Vec::new();
    // `Ok(None)` would mean the channel closed; `Err(Elapsed)` is the guide's
    // `TimeoutError`. `next()` is cancel safe, so the timeout loses no item.
    while let Ok(Some(item)) = timeout(idle, queue.next()).await {
        println!("{name} consumed: {item}");
        consumed.push(item);
    }
    consumed
}

/// Takes items until the channel is closed and drained, done with each at
/// the next tick of `pace`.
async fn consumer(
    queue: Receiver<String>,
    name: &str,
    mut pace: Interval,
    start: Instant,
) -> Vec<String> {
    let mut queue = pin!(queue);
    let mut consumed = Vec::new();
    while let Some(item) = queue.next().await {
        println!("{} {name} consumed: {item}", stamp(start));
        consumed.push(item);
        pace.tick().await;
    }
    consumed
}

/// One tick every `work`, the first at `first`: the ticks are due at fixed
/// instants, so a late wake-up on a busy machine delays one item, not every
/// later one as a chain of `sleep`s would. Woken late, it skips the ticks it
/// missed rather than fire them back to back.
fn pace(first: Instant, work: Duration) -> Interval {
    let mut pace = interval_at(first, work);
    pace.set_missed_tick_behavior(MissedTickBehavior::Skip);
    pace
}

pub async fn run() -> anyhow::Result<()> {
    // The guide's program: the consumers stop after two idle seconds.
    let start = Instant::now();
    let (sender, receiver) = async_channel::bounded(CAPACITY);
    let keep_open = sender.clone();
    let idle = Duration::from_secs(2);
    // `join!` runs the three in this task, like the guide's `gather`; with
    // `biased;` it polls them in the order written. Each item wakes both
    // consumers, and Consumer-1, polled first, takes it, where the guide's
    // take turns.
    let (consumed_1, consumed_2, produced) = tokio::join!(
        biased;
        consumer_until_idle(receiver.clone(), "Consumer-1", idle),
        consumer_until_idle(receiver.clone(), "Consumer-2", idle),
        producer(sender, "Producer", 10, Some(PAUSE), None),
    );
    drop(keep_open);
    println!(
        "{} Both consumers gave up after {}s without an item",
        stamp(start),
        idle.as_secs()
    );
    check(produced?, [consumed_1, consumed_2])?;

    // Slow consumers, a producer that doesn't pause, and a channel that
    // closes when the producer returns: the producer fills the queue at once,
    // then sends one item each time a consumer takes one, at their pace.
    println!();
    let start = Instant::now();
    let (sender, receiver) = async_channel::bounded(CAPACITY);
    let work = Duration::from_secs(1);
    let (consumed_1, consumed_2, produced, shown) = tokio::join!(
        biased;
        consumer(receiver.clone(), "Consumer-1", pace(start + work, work), start),
        // Half a second behind Consumer-1, so that the two finish their items
        // in turn, 0.5 s apart: a busy machine can't swap who takes the next.
        async {
            let begin = start + work / 2;
            sleep_until(begin).await;
            consumer(receiver.clone(), "Consumer-2", pace(begin + work, work), start).await
        },
        producer(sender, "Producer", 10, None, Some(start)),
        async {
            // Polled after the producer, which has filled the queue by then
            // and waits in `send`.
            // `len()`, `is_empty()` and `capacity()` are `qsize()`, `empty()`
            // and `maxsize`.
            let capacity = receiver.capacity().context("the channel is bounded")?;
            println!(
                "{} Queue holds {} of {capacity}, {} free: the producer waits",
                stamp(start),
                receiver.len(),
                capacity - receiver.len()
            );
            anyhow::Ok(())
        },
    );
    shown?;
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

#[cfg(test)]
mod tests {
    use std::pin::pin;

    use futures::poll;

    use super::*;

    /// A consumer polled once, then neither polled again nor dropped (a
    /// branch of a `select!` that stopped polling it), leaves the next item
    /// to the consumer waiting beside it, which takes it at once.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_leaves_the_next_item_to_the_other_consumer() {
        let idle = Duration::from_secs(2);
        let (sender, receiver) = async_channel::bounded(CAPACITY);
        let mut held = pin!(consumer_until_idle(receiver.clone(), "Held", idle));
        assert!(poll!(held.as_mut()).is_pending());
        // A task of its own, so a wake-up given to the held consumer, which
        // this task polls, doesn't poll the other too.
        let other = tokio::spawn(consumer_until_idle(receiver, "Other", idle));
        // The other consumer is waiting when the item comes.
        sleep(Duration::from_millis(10)).await;
        sender
            .send("only".to_owned())
            .await
            .expect("a consumer is alive");
        // Taken at once, the item leaves the other consumer idle from now
        // on: it gives up two seconds later, and no later. (Left in the
        // queue, the item would be found when the other consumer's own
        // timeout woke it, at 2 s, and it would give up at 4 s.) The channel
        // stays open meanwhile, so only the item can keep it from giving up
        // empty.
        let consumed = timeout(idle + Duration::from_millis(100), other)
            .await
            .expect("the other consumer took the item as it came")
            .expect("the other consumer doesn't panic");
        drop(sender);
        assert_eq!(
            consumed,
            ["only"],
            "the other consumer gave up beside a queued item"
        );
    }

    /// The same with consumers that stop when the channel closes: the other
    /// takes every item, and ends once the producer has.
    #[tokio::test(start_paused = true)]
    async fn a_held_caller_holds_up_no_other_consumer_until_the_close() {
        let start = Instant::now();
        let work = Duration::from_millis(100);
        let (sender, receiver) = async_channel::bounded(CAPACITY);
        let mut held = pin!(consumer(
            receiver.clone(),
            "Held",
            pace(start + work, work),
            start
        ));
        assert!(poll!(held.as_mut()).is_pending());
        let (consumed, produced) = tokio::join!(
            timeout(
                Duration::from_secs(2),
                consumer(receiver.clone(), "Other", pace(start + work, work), start)
            ),
            producer(sender, "Producer", 3, Some(PAUSE), None),
        );
        let consumed = consumed.expect("the other consumer ends when the channel closes");
        assert_eq!(consumed, produced.expect("a consumer is alive"));
    }
}
