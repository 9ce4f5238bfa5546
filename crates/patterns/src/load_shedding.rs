//! Load shedding with a bounded channel: `try_send` turns work away when the
//! queue is full, `reserve` gets a place in the queue before the work is
//! done, and `Sender::closed` tells a producer that its consumer is gone.
//!
//! Beyond the guides: the asyncio counterpart of `try_send` is
//! `queue.put_nowait`, which raises `asyncio.QueueFull` when the queue has
//! no free slot. The other two have none; the nearest are `queue.full()`
//! and, from Python 3.13, `queue.shutdown()`.
//!
//! A server that queues every request it cannot serve yet only delays the
//! moment it falls over. `bounded_queue` makes the producer wait when the
//! queue is full; when the producer is a stream of requests, it should
//! instead answer "busy" at once. `try_send` never waits: it returns
//! `TrySendError::Full(request)` when the channel has no room and
//! `TrySendError::Closed(request)` when the receiver is gone, and both give
//! the request back, so the caller can still answer it. `put_nowait` raises
//! `QueueFull` and leaves the item with the caller in the same way, but in
//! Python 3.11 a queue cannot be closed: `Queue.shutdown` and
//! `QueueShutDown` came in 3.13.
//!
//! `reserve().await` waits for room and returns a `Permit`, a place in the
//! queue held before the message exists; `permit.send(message)` then cannot
//! fail or wait, and dropping the permit gives the place back. So a
//! producer can wait for room first and only then do the work of making the
//! message, and nothing is lost if that wait is cancelled (a cancelled
//! `send` drops the message it was given). `try_reserve` is the shedding
//! form: turn the work down before doing it. `queue.full()` holds no place:
//! if the producer awaits anything between `full()` and `put_nowait`,
//! another producer can take the room, and `put_nowait` raises `QueueFull`.
//!
//! `Sender::closed()` completes when the receiver has been dropped (or has
//! called `close`), and the producer can race it against its own work with
//! `select!`. Below, the consumer leaves halfway through the third
//! measurement, and the producer stops at that moment instead of finishing
//! a reading that nobody will take. Without the race it would finish it,
//! and `permit.send` would drop it without a word: a permit's `send`
//! succeeds "even if the receiver half has been closed". An asyncio queue
//! does not tell its producer: in 3.11 the `put`s succeed until the queue
//! is full, and then wait forever; in 3.13 the consumer can call
//! `shutdown()`, after which every `put`, even one already waiting, raises
//! `QueueShutDown`, but a producer busy with other work learns it only at
//! its next `put`.

use std::time::Duration;

use anyhow::bail;
use tokio::sync::mpsc::{self, error::TrySendError};
use tokio::time::{Instant, sleep, sleep_until};
use tokio_util::task::AbortOnDropHandle;

/// Serves requests one at a time, `work` each, until the channel closes.
async fn worker(mut requests: mpsc::Receiver<u32>, work: Duration) -> Vec<u32> {
    let mut handled = Vec::new();
    while let Some(request) = requests.recv().await {
        sleep(work).await;
        handled.push(request);
    }
    handled
}

/// Takes each request into the queue, or turns it away at once when the
/// queue is full.
async fn accept_or_shed() -> anyhow::Result<()> {
    const REQUESTS: u32 = 8;
    const WAITING: usize = 2;
    // Not a multiple of the 0.1 s between requests, so the worker never
    // finishes at the instant a request comes: Tokio does not say which of
    // two timers due together fires first.
    const WORK: Duration = Duration::from_millis(450);
    println!(
        "try_send: {REQUESTS} requests 0.1s apart, a worker taking {:.2}s each, room for {WAITING} waiting",
        WORK.as_secs_f64()
    );

    let start = Instant::now();
    let (queue, requests) = mpsc::channel(WAITING);
    // Aborted when dropped: a cancelled `run` leaves no task running
    // (`concurrency/shield` says why a plain `JoinHandle` would).
    let worker = AbortOnDropHandle::new(tokio::spawn(worker(requests, WORK)));
    for request in 1..=REQUESTS {
        sleep_until(start + Duration::from_millis(100) * request).await;
        match queue.try_send(request) {
            Ok(()) => {}
            Err(TrySendError::Full(request)) => {
                println!(
                    "{} request {request}: queue full, answered busy at once",
                    stamp(start)
                );
            }
            Err(TrySendError::Closed(request)) => {
                bail!("the worker is gone; request {request} unserved")
            }
        }
    }
    // The worker serves what is queued, then sees the channel closed.
    drop(queue);
    let handled = worker.await?;
    println!(
        "the worker handled {}",
        handled
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}

/// A reading that takes 0.4 s to make.
async fn measure(n: u32) -> String {
    sleep(Duration::from_millis(400)).await;
    format!("reading {n}")
}

/// Waits for room before each measurement, and stops the moment the
/// consumer leaves.
async fn produce(readings: mpsc::Sender<String>, start: Instant) {
    for n in 1..=10 {
        // `reserve` fails once the receiver is gone.
        let Ok(permit) = readings.reserve().await else {
            println!("{} the consumer is gone", stamp(start));
            return;
        };
        tokio::select! {
            reading = measure(n) => {
                println!("{} {reading} sent", stamp(start));
                permit.send(reading);
            }
            () = readings.closed() => {
                println!(
                    "{} the consumer is gone: reading {n} abandoned halfway",
                    stamp(start)
                );
                return;
            }
        }
    }
}

/// Takes `wanted` readings, 0.3 s each, then leaves.
async fn consume(mut readings: mpsc::Receiver<String>, wanted: usize) -> Vec<String> {
    let mut taken = Vec::new();
    while taken.len() < wanted {
        let Some(reading) = readings.recv().await else {
            break;
        };
        sleep(Duration::from_millis(300)).await;
        taken.push(reading);
    }
    taken
}

pub async fn run() -> anyhow::Result<()> {
    accept_or_shed().await?;

    println!();
    println!("reserve, then measure; closed() raced against the measuring:");
    let start = Instant::now();
    let (sender, receiver) = mpsc::channel(1);
    let consumer = AbortOnDropHandle::new(tokio::spawn(consume(receiver, 2)));
    produce(sender, start).await;
    let taken = consumer.await?;
    println!("the consumer took {}", taken.join(", "));
    Ok(())
}

fn stamp(start: Instant) -> String {
    format!("[{:.1}s]", start.elapsed().as_secs_f64())
}
