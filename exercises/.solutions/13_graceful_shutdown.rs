use std::time::Duration;

use tokio::time::sleep;
use tokio_util::sync::CancellationToken;

async fn worker(id: u64, shutdown: CancellationToken) {
    let job_time = Duration::from_millis(100 + 300 * id);
    for job in 1.. {
        if shutdown.is_cancelled() {
            break;
        }
        sleep(job_time).await;
        println!("worker {id}: job {job} done");
    }
    println!("worker {id}: stopped");
}

pub async fn run() {
    let shutdown = CancellationToken::new();
    let workers = [
        tokio::spawn(worker(1, shutdown.clone())),
        tokio::spawn(worker(2, shutdown.clone())),
    ];
    sleep(Duration::from_millis(1500)).await;
    shutdown.cancel();
    for worker in workers {
        worker.await.expect("a worker panicked");
    }
    println!("all workers stopped");
}
