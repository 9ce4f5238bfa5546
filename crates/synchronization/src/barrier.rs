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
use tokio::task::{JoinError, JoinSet};
use tokio::time::{Instant, sleep};

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

/// Each worker's result, in the order of their names. A `JoinSet` gives each
/// task as it ends, so a worker that panics before the barrier is seen at
/// once, and `?` drops the set, which aborts the workers waiting for it. A
/// `JoinQueue`, which gives them in the order spawned, would first wait for
/// the workers spawned before it: for ever.
async fn join_in_name_order(mut workers: JoinSet<Released>) -> Result<Vec<Released>, JoinError> {
    let mut released = Vec::new();
    while let Some(worker) = workers.join_next().await {
        released.push(worker?);
    }
    released.sort_unstable_by_key(|worker| worker.name);
    Ok(released)
}

pub async fn run() -> Result<(), JoinError> {
    let start = Instant::now();
    let workers = [("worker 1", 500), ("worker 2", 1500), ("worker 3", 1000)];
    let barrier = Arc::new(Barrier::new(workers.len()));
    let mut tasks = JoinSet::new();
    for (name, millis) in workers {
        let wait = Duration::from_millis(millis);
        tasks.spawn(worker(name, wait, barrier.clone(), start));
    }

    let released = join_in_name_order(tasks).await?;
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

#[cfg(test)]
mod tests {
    use tokio::time::timeout;

    use super::*;

    /// A worker that panics before it reaches the barrier fails the run at
    /// the instant it panics, although the workers spawned before it wait
    /// at the barrier for it, and would wait for ever.
    #[tokio::test(start_paused = true)]
    async fn a_worker_that_panics_before_the_barrier_fails_the_run_at_once() {
        let start = Instant::now();
        let barrier = Arc::new(Barrier::new(3));
        let mut tasks = JoinSet::new();
        for name in ["worker 1", "worker 2"] {
            let wait = Duration::from_millis(500);
            tasks.spawn(worker(name, wait, barrier.clone(), start));
        }
        tasks.spawn(async {
            sleep(Duration::from_secs(1)).await;
            panic!("worker 3 fails before the barrier");
        });
        let error = timeout(Duration::from_secs(10), join_in_name_order(tasks))
            .await
            .expect("the panic ends the wait")
            .err()
            .expect("a worker panicked");
        assert!(error.is_panic());
        assert_eq!(start.elapsed(), Duration::from_secs(1));
        // The workers left at the barrier were aborted.
        tokio::task::yield_now().await;
        assert_eq!(Arc::strong_count(&barrier), 1);
    }
}
