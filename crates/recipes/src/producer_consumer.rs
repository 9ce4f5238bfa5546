//! A producer and a consumer joined by a bounded queue, and a graceful stop:
//! the producer stops making work, the consumer finishes what is queued,
//! and both end.
//!
//! The queue is a `tokio::sync::mpsc` channel of capacity 2. The producer
//! owns the only `Sender`; when it is asked to stop, it returns, which
//! drops the `Sender` and closes the channel. The consumer's `recv()` then
//! hands out what is still queued and returns `None` after the last item,
//! so its loop ends by itself. Stopping is a `CancellationToken`: `run`
//! cancels it, then waits for both tasks, for at most `GRACE`.
//!
//! In asyncio this is `asyncio.Queue(maxsize=2)`, `await queue.put(item)`
//! and `await queue.get()`, with a stop flag (`asyncio.Event`) for the
//! producer and a sentinel, `await queue.put(None)`, to tell the consumer
//! there is no more (Python 3.13 adds `Queue.shutdown()` for that). Here the
//! end is part of the channel, and a producer that fails or panics drops
//! its `Sender` too, so the consumer can't wait for a sentinel that never
//! comes.
//!
//! What not to undo when you copy it:
//! - The capacity. When the consumer falls behind, `send` waits for room,
//!   which slows the producer to the consumer's pace; an
//!   `unbounded_channel` would grow instead, without limit.
//! - No other `Sender` may outlive the producer: a clone kept in `run`
//!   would keep the channel open, and the consumer would wait for ever.
//! - The producer hears a stop while it makes the next item, and drops that
//!   one unfinished; an item already made is still sent, so nothing made is
//!   lost. The consumer keeps taking items, so that send finds room.
//! - The tasks are held by `AbortOnDropHandle`s. A plain `JoinHandle` that
//!   is dropped leaves its task running; these abort theirs, so if `run`
//!   is cancelled, or the grace period ends, no task is left behind.
//!
//! A single consumer can take the `Receiver`. For several, share it behind
//! a `tokio::sync::Mutex`, or use a channel whose receiver can be cloned;
//! `worker_pool` shows another way to spread work over workers.

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

// What only feeds the demonstration: a job takes 0.2 s to make and 0.5 s
// to handle, so the queue fills and the producer waits for room.

const RUN_FOR: Duration = Duration::from_secs(2);

async fn next_job(id: u32) -> Job {
    sleep(Duration::from_millis(200)).await;
    Job { id }
}

async fn handle(_job: &Job) {
    sleep(Duration::from_millis(500)).await;
}
