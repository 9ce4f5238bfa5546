//! A bounded channel applies backpressure: once it holds five items, the
//! producer's `send` waits until a consumer takes one.
//!
//! Translates:
//! - *Async/Await in Python*, "Producer-Consumer"
//!
//! The guide's `asyncio.Queue(maxsize=5)` is `mpsc::channel(5)`. A full
//! queue makes `send(..).await` wait, so a producer can't run ahead of its
//! consumers by more than the queue's capacity and memory stays bounded. In
//! the guide the consumers take no time, so the limit is never reached; here
//! each item takes them a second, and the timestamps show the producer slow
//! down from one item per 0.1 s to the consumers' pace once the queue fills.
//!
//! The guide's consumers stop when `queue.get()` has waited two seconds for
//! an item. That costs two idle seconds at the end, and would silently drop
//! the rest of the work if the producer ever paused for longer. Here the
//! consumers stop when the channel is closed and drained, at once and never
//! early. Two consumers share the one `Receiver` behind a mutex, as in
//! `many_producers_consumers`.

use std::error::Error;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, mpsc};
use tokio::time::{Instant, sleep};

const CAPACITY: usize = 5;

fn stamp(start: Instant) -> String {
    format!("[{:.1}s]", start.elapsed().as_secs_f64())
}

async fn producer(
    queue: mpsc::Sender<String>,
    name: &str,
    count: usize,
    start: Instant,
) -> Result<Vec<String>, mpsc::error::SendError<String>> {
    let mut produced = Vec::new();
    for i in 0..count {
        let item = format!("{name}-Item-{i}");
        queue.send(item.clone()).await?;
        println!("{} Produced: {item}", stamp(start));
        produced.push(item);
        sleep(Duration::from_millis(100)).await;
    }
    Ok(produced)
}

async fn consumer(
    queue: Arc<Mutex<mpsc::Receiver<String>>>,
    name: &str,
    start: Instant,
) -> Vec<String> {
    let mut consumed = Vec::new();
    loop {
        let next = queue.lock().await.recv().await;
        let Some(item) = next else { break };
        println!("{} {name} consumed: {item}", stamp(start));
        consumed.push(item);
        sleep(Duration::from_secs(1)).await;
    }
    consumed
}

pub async fn run() -> Result<(), Box<dyn Error>> {
    let start = Instant::now();
    let (sender, receiver) = mpsc::channel(CAPACITY);
    let receiver = Arc::new(Mutex::new(receiver));

    // `join!` runs the three in this task, like the guide's `gather`; the
    // producer's sender is moved in, so it is dropped when the producer ends.
    let (produced, consumed_1, consumed_2) = tokio::join!(
        biased;
        producer(sender, "Producer", 10, start),
        consumer(receiver.clone(), "Consumer-1", start),
        consumer(receiver.clone(), "Consumer-2", start),
    );
    let mut produced = produced?;
    println!(
        "{} Produced {}; Consumer-1 took {}, Consumer-2 took {}",
        stamp(start),
        produced.len(),
        consumed_1.len(),
        consumed_2.len()
    );

    let mut consumed = [consumed_1, consumed_2].concat();
    produced.sort();
    consumed.sort();
    assert_eq!(produced, consumed, "every item consumed exactly once");
    Ok(())
}
