use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinSet;
use tokio::time::sleep;

async fn worker(id: u32, queue: Arc<Mutex<mpsc::Receiver<(u32, u64)>>>) {
    loop {
        // The guard is a temporary of this statement: the lock is held
        // while waiting for a job, and let go before the job runs.
        let job = queue.lock().await.recv().await;
        let Some((job, ms)) = job else { break };
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
