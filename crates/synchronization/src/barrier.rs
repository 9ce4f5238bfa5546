//! `Barrier`: a fixed number of tasks wait for one another, then all go on
//! together, at the moment the last one arrives.
//!
//! `asyncio.Barrier` (Python 3.11), not in the guides. Every worker leaves at
//! 1.5 s, when the slowest arrives; exactly one `is_leader()`, which one is
//! unspecified. `wait` is not cancel safe: a task cancelled while it waits
//! still counts as arrived, so after `timeout(d, barrier.wait())` fires that
//! round is released with one task fewer, where a cancelled `Barrier.wait()`
//! in asyncio leaves the barrier.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Barrier;
use tokio::task::JoinError;
use tokio::time::{Instant, sleep};
use tokio_util::task::JoinQueue;

struct Released {
    name: &'static str,
    arrived: Duration,
    left: Duration,
    leader: bool,
}

async fn worker(
    name: &'static str,
    load_time: Duration,
    barrier: Arc<Barrier>,
    start: Instant,
) -> Released {
    sleep(load_time).await;
    let arrived = start.elapsed();
    println!(
        "[{:.1}s] {name} loaded, waiting at the barrier",
        arrived.as_secs_f64()
    );
    let result = barrier.wait().await;
    let left = start.elapsed();
    if result.is_leader() {
        println!(
            "[{:.1}s] one worker, the leader, runs the once-only step",
            left.as_secs_f64()
        );
    }
    Released {
        name,
        arrived,
        left,
        leader: result.is_leader(),
    }
}

pub async fn run() -> Result<(), JoinError> {
    let start = Instant::now();
    let workers = [("worker 1", 500), ("worker 2", 1500), ("worker 3", 1000)];
    let barrier = Arc::new(Barrier::new(workers.len()));
    // In the order spawned, which a `JoinQueue` keeps.
    let mut tasks = JoinQueue::new();
    for (name, millis) in workers {
        let wait = Duration::from_millis(millis);
        tasks.spawn(worker(name, wait, barrier.clone(), start));
    }

    let mut released = Vec::new();
    while let Some(worker) = tasks.join_next().await {
        released.push(worker?);
    }
    for Released { name, left, .. } in &released {
        println!("[{:.1}s] {name} starts phase two", left.as_secs_f64());
    }
    let last_arrival = released.iter().map(|r| r.arrived).max();
    assert!(
        released.iter().all(|r| Some(r.left) >= last_arrival),
        "nobody leaves the barrier before the last worker arrives"
    );
    assert_eq!(
        released.iter().filter(|r| r.leader).count(),
        1,
        "exactly one leader"
    );
    Ok(())
}
