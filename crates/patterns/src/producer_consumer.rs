//! Producer-consumer over a channel: where the guide sends a `None`
//! sentinel, the producer drops its sender and the channel closes.
//!
//! `asyncio.Queue` becomes an `mpsc` channel. The guide's `None` must be
//! checked for, and never arrives if the producer raises first; here, when
//! every `Sender` is dropped, `recv()` returns `None` once the queue is
//! drained, and a producer drops its sender however it ends. The channel is
//! unbounded, like the guide's queue, which is safe only because the consumer
//! keeps up (see `bounded_queue`).
//!
//! Translates:
//! - *Python Async/Await*, "Producer-Consumer"

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::sleep;

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

pub async fn run() {
    let (sender, receiver) = mpsc::unbounded_channel();
    // The guide's `create_task` twice and `gather`: the two need no task of
    // their own, and `join!` runs them side by side in this one.
    let (produced, consumed) = tokio::join!(producer(sender), consumer(receiver));

    assert_eq!(
        produced, consumed,
        "every item consumed exactly once, in order"
    );
    println!("Produced {produced:?}, consumed {consumed:?}");
}
