//! Load shedding with a bounded channel: `try_send` turns work away when the
//! queue is full, `reserve` gets a place in the queue before the work is
//! done, and `Sender::closed` tells a producer that its consumer is gone.
//!
//! Beyond the guides. `try_send` is `queue.put_nowait`: it never waits, and
//! gives the request back when the queue is full or closed. `reserve().await`
//! holds a place before the message exists, so nothing is lost if the wait is
//! cancelled, where `queue.full()` holds nothing. `Sender::closed()`, raced
//! with `select!`, stops the producer the moment its consumer leaves; an
//! asyncio queue tells its producer nothing (Python 3.13's `shutdown()` only
//! at the next `put`).

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
    const WAITING: usize = 2;
    const WORK: Duration = Duration::from_secs(1);
    // Requests come in bursts: at each instant (in ms), how many. The worker
    // finishes a request 0.5 s from any burst, so a machine too busy to keep
    // time can't change which requests find the queue full.
    const BURSTS: [(u64, u32); 3] = [(0, 1), (500, 4), (1500, 3)];
    let bursts: Vec<String> = BURSTS
        .iter()
        .map(|&(millis, count)| format!("{count} at {:.1}s", millis as f64 / 1000.0))
        .collect();
    println!(
        "try_send: requests {}; a worker taking {:.1}s each, room for {WAITING} waiting",
        bursts.join(", "),
        WORK.as_secs_f64()
    );

    let start = Instant::now();
    let (queue, requests) = mpsc::channel(WAITING);
    // A task, not a future polled here: tasks run in the order their timers
    // fire (see `run`). Its handle aborts it if `run` is cancelled.
    let worker = AbortOnDropHandle::new(tokio::spawn(worker(requests, WORK)));
    let mut request = 0;
    for (millis, count) in BURSTS {
        sleep_until(start + Duration::from_millis(millis)).await;
        for _ in 0..count {
            request += 1;
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

/// A reading that takes 1 s to make.
async fn measure(n: u32) -> String {
    sleep(Duration::from_secs(1)).await;
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
            // A consumer gone as the reading comes is gone: checked first,
            // or `select!`'s random pick could send into a closed channel
            // (the permit's `send` drops it) and call it sent.
            biased;
            () = readings.closed() => {
                println!(
                    "{} the consumer is gone: reading {n} abandoned halfway",
                    stamp(start)
                );
                return;
            }
            reading = measure(n) => {
                println!("{} {reading} sent", stamp(start));
                permit.send(reading);
            }
        }
    }
}

/// Takes `wanted` readings, 0.5 s each, then leaves: halfway through the
/// next reading, which the producer makes meanwhile.
async fn consume(mut readings: mpsc::Receiver<String>, wanted: usize) -> Vec<String> {
    let mut taken = Vec::new();
    while taken.len() < wanted {
        let Some(reading) = readings.recv().await else {
            break;
        };
        sleep(Duration::from_millis(500)).await;
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
    // A task too, not polled in `run`: after a late wake the runtime polls
    // the future it blocks on before any task, which would let the producer
    // see its reading done before the consumer had run its leaving. As
    // tasks, they run in the order their timers fired.
    AbortOnDropHandle::new(tokio::spawn(produce(sender, start))).await?;
    let taken = consumer.await?;
    println!("the consumer took {}", taken.join(", "));
    Ok(())
}

fn stamp(start: Instant) -> String {
    format!("[{:.1}s]", start.elapsed().as_secs_f64())
}
