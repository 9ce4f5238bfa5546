//! A producer and a consumer joined by a bounded queue, and a graceful stop:
//! the producer stops making work, the consumer finishes what is queued,
//! and both end.
//!
//! In asyncio: `asyncio.Queue(maxsize=2)`, a stop `Event` for the producer
//! and a `None` sentinel for the consumer. Here the channel is the end: the
//! producer owns the only `Sender`, and when it returns (or fails) the
//! consumer's `recv()` drains the queue and gets `None`. `run` cancels a
//! `CancellationToken`, then waits at most `GRACE` for both.
//!
//! What not to undo when you copy it:
//! - The capacity: `send` waits for room, so the producer keeps the consumer's
//!   pace, where an unbounded channel grows without limit.
//! - No other `Sender` may outlive the producer, or the channel stays open.
//! - Sending a job already made after the stop; the consumer keeps taking.
//! - `AbortOnDropHandle`s: a cancelled `run` leaves no task behind.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::{Instant, sleep, timeout};
use tokio_util::sync::CancellationToken;
use tokio_util::task::AbortOnDropHandle;

/// How many made items may wait for the consumer.
const CAPACITY: usize = 2;
/// How long `run` waits, once it asks them to stop, for both to end.
const GRACE: Duration = Duration::from_secs(5);

pub struct Job {
    pub id: u32,
}

/// Makes jobs until `stop` is cancelled. Returning drops `queue`, which
/// closes the channel.
async fn produce(queue: mpsc::Sender<Job>, stop: CancellationToken) -> u32 {
    let mut made = 0;
    loop {
        // Told to stop, it drops a job it is making, but sends one already
        // made: the consumer keeps taking, so that send finds room.
        let job = tokio::select! {
            biased;
            () = stop.cancelled() => break,
            job = next_job(made + 1) => job,
        };
        if queue.send(job).await.is_err() {
            break; // the consumer has gone
        }
        made += 1;
    }
    made
}

/// Handles jobs until the channel is closed and empty.
async fn consume(mut queue: mpsc::Receiver<Job>, start: Instant) -> u32 {
    let mut handled = 0;
    while let Some(job) = queue.recv().await {
        handle(&job).await;
        handled += 1;
        println!(
            "job {} done at {:.1}s",
            job.id,
            start.elapsed().as_secs_f64()
        );
    }
    handled
}

pub async fn run() -> anyhow::Result<()> {
    let start = Instant::now();
    let (sender, receiver) = mpsc::channel(CAPACITY);
    let stop = CancellationToken::new();
    let producer = AbortOnDropHandle::new(tokio::spawn(produce(sender, stop.clone())));
    let consumer = AbortOnDropHandle::new(tokio::spawn(consume(receiver, start)));

    // In a service, the stop comes from Ctrl-C (`tokio::signal::ctrl_c()`)
    // or a shutdown request; here, after a while.
    sleep(RUN_FOR).await;
    println!("stopping at {:.1}s", start.elapsed().as_secs_f64());
    stop.cancel();

    let (made, handled) = timeout(GRACE, async { tokio::try_join!(producer, consumer) })
        .await
        .map_err(|_elapsed| anyhow::anyhow!("the tasks did not stop within {GRACE:?}"))??;
    println!(
        "stopped at {:.1}s: {made} jobs made, {handled} handled",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

// What only feeds the demonstration: a job takes 0.1 s to make and 1 s to
// handle, so the queue fills and the producer waits for room. The stop
// comes 0.8 s after job 6 is made (2.2 s), so that a busy machine, running
// the jobs' timers late by less than that, prints the same lines; job 3 is
// done at 3.1 s and job 7 would be made at 3.2 s, which lateness only
// moves further away.

const RUN_FOR: Duration = Duration::from_secs(3);

async fn next_job(id: u32) -> Job {
    sleep(Duration::from_millis(100)).await;
    Job { id }
}

async fn handle(_job: &Job) {
    sleep(Duration::from_secs(1)).await;
}
