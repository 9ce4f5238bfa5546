//! Load shedding and a producer that minds its consumer: `try_send` turns
//! work away when the queue is full, a `reserve`d permit holds a slot before
//! the work is done, and `Sender::closed` says the consumer is gone.
//!
//! Beyond the guides: the asyncio counterparts are `queue.put_nowait(item)`
//! and the `asyncio.QueueFull` it raises.
//!
//! `bounded_queue` shows backpressure: a full queue makes `send(..).await`
//! wait, and the producer slows to the consumer's pace. When the producer is
//! a front door for requests, waiting only moves the queue into the callers;
//! under overload it is better to say "busy" at once and keep the queue
//! short. `try_send` never waits: it queues the item or returns it in
//! `TrySendError::Full(item)`, which is `put_nowait` raising `QueueFull`.
//! `TrySendError::Closed(item)` means the receiver is gone. A Python 3.11
//! queue can't be closed; 3.13 added `Queue.shutdown()`, after which
//! `put_nowait` raises `QueueShutDown`. Here the worker takes 0.9 s per
//! request and the queue holds two, so of eight requests 0.2 s apart four are
//! turned away, each at once.
//!
//! The second part is a sensor feeding a display, through a queue of one.
//! `reserve()` waits for room and returns a `Permit`, a slot held for this
//! sender; `permit.send(item)` then cannot wait or fail. So the sensor takes
//! a reading only once it can be queued, and the reading is fresh. With
//! `send(reading).await` it would be taken first and then wait for room, and
//! a `send` dropped while it waits (a `select!` branch that lost, a timeout)
//! drops its message with it, as Tokio's docs warn. In asyncio,
//! `if not queue.full(): queue.put_nowait(x)` is safe because nothing else
//! runs between the two calls; with Tokio's worker threads something can, and
//! the permit is how a slot is held.
//!
//! The display wants two readings and then closes. `Sender::closed()`
//! completes once the receiver is dropped (or `Receiver::close` is called),
//! so the sensor races each reading against it and stops halfway through the
//! third, the moment nobody will read it. Without that race it would finish
//! the reading, and `permit.send` would succeed and drop it: a permit's
//! `send` succeeds "even if the receiver half has been closed". asyncio has
//! no counterpart: a producer learns that its consumer stopped only if
//! someone tells it.

use std::time::Duration;

use anyhow::Context;
use tokio::sync::mpsc::{self, error::TrySendError};
use tokio::time::{Instant, sleep};

const QUEUE_LENGTH: usize = 2;
const WORK_TIME: Duration = Duration::from_millis(900);
const READING_TIME: Duration = Duration::from_secs(1);

/// Queues a request if there is room, and otherwise turns it away at once.
fn admit(queue: &mpsc::Sender<u32>, request: u32, clock: Instant) -> anyhow::Result<()> {
    match queue.try_send(request) {
        Ok(()) => println!("{} request {request}: queued", stamp(clock)),
        Err(TrySendError::Full(request)) => {
            println!("{} request {request}: busy, try later", stamp(clock));
        }
        Err(TrySendError::Closed(request)) => {
            anyhow::bail!("request {request}: the worker is gone")
        }
    }
    Ok(())
}

async fn worker(mut queue: mpsc::Receiver<u32>, clock: Instant) -> Vec<u32> {
    let mut handled = Vec::new();
    while let Some(request) = queue.recv().await {
        sleep(WORK_TIME).await;
        println!("{} request {request}: handled", stamp(clock));
        handled.push(request);
    }
    handled
}

/// Takes a reading whenever the display has room for it, until the
/// display goes away.
async fn sensor(display: mpsc::Sender<u32>, clock: Instant) {
    for number in 1.. {
        // Room first, then the reading: it is queued the moment it is taken.
        let Ok(permit) = display.reserve().await else {
            println!("{} sensor: the display is gone", stamp(clock));
            return;
        };
        tokio::select! {
            reading = take_reading(number) => {
                println!("{} sensor: reading {reading} queued", stamp(clock));
                permit.send(reading);
            }
            () = display.closed() => {
                println!(
                    "{} sensor: the display is gone; reading {number} abandoned halfway",
                    stamp(clock)
                );
                return;
            }
        }
    }
}

async fn take_reading(number: u32) -> u32 {
    sleep(READING_TIME).await;
    number
}

/// Shows `wanted` readings, half a second each, then closes.
async fn display(mut readings: mpsc::Receiver<u32>, wanted: usize, clock: Instant) {
    for _ in 0..wanted {
        let Some(reading) = readings.recv().await else {
            return;
        };
        println!("{} display: showing reading {reading}", stamp(clock));
        sleep(READING_TIME / 2).await;
    }
    println!("{} display: closing", stamp(clock));
}

fn stamp(clock: Instant) -> String {
    format!("[{:.1}s]", clock.elapsed().as_secs_f64())
}

pub async fn run() -> anyhow::Result<()> {
    println!("Shedding load with try_send:");
    let clock = Instant::now();
    let (queue, requests) = mpsc::channel(QUEUE_LENGTH);
    let worker = tokio::spawn(worker(requests, clock));
    for request in 1..=8 {
        admit(&queue, request, clock)?;
        sleep(Duration::from_millis(200)).await;
    }
    drop(queue);
    let handled = worker.await.context("the worker panicked")?;
    println!("handled {handled:?}");

    println!("\nA sensor that reserves a slot and minds its display:");
    let clock = Instant::now();
    let (readings, receiver) = mpsc::channel(1);
    let display = tokio::spawn(display(receiver, 2, clock));
    sensor(readings, clock).await;
    display.await.context("the display panicked")?;
    Ok(())
}
