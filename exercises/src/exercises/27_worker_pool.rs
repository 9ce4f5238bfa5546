//! Exercise: worker_pool
//!
//! Three workers share one queue of six jobs. Tokio's `mpsc` has a single
//! receiver, so the workers share it behind a `tokio::sync::Mutex`. The
//! program runs, but the workers take turns instead of working side by
//! side: six jobs that need 1.42s of work in all take that long, not 0.52s.
//! Find out why, and let the three work at once:
//!
//! ```text
//! 0.1s worker 2 finished job 2
//! 0.25s worker 3 finished job 3
//! 0.3s worker 1 finished job 1
//! 0.4s worker 3 finished job 5
//! 0.5s worker 2 finished job 4
//! 0.52s worker 1 finished job 6
//! 0.52s all jobs done
//! ```
//!
//! The example that shows how: `cargo run -p patterns -- many_producers_consumers`.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinSet;
use tokio::time::sleep;

async fn worker(id: u32, queue: Arc<Mutex<mpsc::Receiver<(u32, u64)>>>) {
    while let Some((job, ms)) = queue.lock().await.recv().await {
        sleep(Duration::from_millis(ms)).await;
        println!("worker {id} finished job {job}");
    }
}

pub async fn run() {
    let (jobs, queue) = mpsc::channel(8);
    for job in [(1, 300), (2, 100), (3, 250), (4, 400), (5, 150), (6, 220)] {
        jobs.send(job).await.expect("the queue is open");
    }
    drop(jobs);
    let queue = Arc::new(Mutex::new(queue));
    let mut workers = JoinSet::new();
    for id in 1..=3 {
        workers.spawn(worker(id, Arc::clone(&queue)));
    }
    workers.join_all().await;
    println!("all jobs done");
}
