//! Exercise: graceful_shutdown
//!
//! Two workers do one job after another until they are told to stop. At
//! 1.5 seconds `run` asks them to shut down: each finishes the job it is
//! doing, says goodbye, and `run` waits for both before it reports:
//!
//! ```text
//! 0.4s worker 1: job 1 done
//! 0.7s worker 2: job 1 done
//! 0.8s worker 1: job 2 done
//! 1.2s worker 1: job 3 done
//! 1.4s worker 2: job 2 done
//! 1.6s worker 1: job 4 done
//! 1.6s worker 1: stopped
//! 2.1s worker 2: job 3 done
//! 2.1s worker 2: stopped
//! 2.1s all workers stopped
//! ```
//!
//! A `tokio_util::sync::CancellationToken` is the shutdown signal: clone it
//! into each worker, check `is_cancelled()` between jobs, and `cancel()` it
//! from `run`.
//!
//! The example that shows how: `cargo run -p real-world -- background_services`.

use std::time::Duration;

use tokio::time::sleep;
use tokio_util::sync::CancellationToken;

async fn worker(id: u64, shutdown: CancellationToken) {
    let job_time = Duration::from_millis(100 + 300 * id);
    for job in 1.. {
        // TODO: stop (and print `worker {id}: stopped`) once shutdown is
        // requested, but only between jobs.
        sleep(job_time).await;
        println!("worker {id}: job {job} done");
    }
}

pub async fn run() {
    let shutdown = CancellationToken::new();
    let workers = [
        tokio::spawn(worker(1, shutdown.clone())),
        tokio::spawn(worker(2, shutdown.clone())),
    ];
    sleep(Duration::from_millis(1500)).await;
    // TODO: request shutdown.
    for worker in workers {
        worker.await.expect("a worker panicked");
    }
    println!("all workers stopped");
}
