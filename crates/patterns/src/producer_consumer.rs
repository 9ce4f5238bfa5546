//! Producer-consumer over a channel: where the guide sends a `None`
//! sentinel, the producer drops its sender and the channel closes.
//!
//! `asyncio.Queue` becomes a Tokio `mpsc` channel, split in two halves: the
//! `Sender` for producers and the `Receiver` for the consumer. The guide ends
//! the stream with `await queue.put(None)`, which every consumer must check
//! for, and which never arrives if the producer raises first. In Rust the end
//! is part of the channel: when every `Sender` is dropped, `recv()` returns
//! `None` once the queued items are drained. The producer drops its sender by
//! returning, normally or by a panic, so the consumer can't wait forever.
//!
//! `asyncio.Queue()` has no size limit, and neither has `unbounded_channel`.
//! Here that is safe: the producer sends one item a second and the consumer
//! takes each at once, so the queue never holds more than one. Where a
//! producer can outrun its consumers, a limit is the better default, as
//! `bounded_queue` shows, and `many_producers_consumers` uses one. The
//! guide's `queue.task_done()` has no counterpart here because nobody calls
//! `queue.join()`; `queue_join` shows that pair.
//!
//! Translates:
//! - *Python Async/Await*, "Producer-Consumer"

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinError;
use tokio::time::sleep;
use tokio_util::task::AbortOnDropHandle;

async fn producer(queue: mpsc::UnboundedSender<u32>) -> Vec<u32> {
    let mut produced = Vec::new();
    for i in 0..5 {
        // Fails only if the consumer is gone; then there is no one to produce for.
        if queue.send(i).is_err() {
            break;
        }
        produced.push(i);
        sleep(Duration::from_secs(1)).await;
    }
    println!("Producer done; dropping its sender closes the channel");
    produced
}

async fn consumer(mut queue: mpsc::UnboundedReceiver<u32>) -> Vec<u32> {
    let mut consumed = Vec::new();
    while let Some(item) = queue.recv().await {
        println!("Consumed {item}");
        consumed.push(item);
    }
    println!("Consumer saw the channel close");
    consumed
}

pub async fn run() -> Result<(), JoinError> {
    let (sender, receiver) = mpsc::unbounded_channel();
    // Aborted when dropped: a cancelled `run` leaves no task running
    // (`concurrency/shield` says why a plain `JoinHandle` would).
    let producer_task = AbortOnDropHandle::new(tokio::spawn(producer(sender)));
    let consumer_task = AbortOnDropHandle::new(tokio::spawn(consumer(receiver)));
    let (produced, consumed) = tokio::try_join!(producer_task, consumer_task)?;

    assert_eq!(
        produced, consumed,
        "every item consumed exactly once, in order"
    );
    println!("Produced {produced:?}, consumed {consumed:?}");
    Ok(())
}
