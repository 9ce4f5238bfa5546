//! Exercise: token_bucket
//!
//! Seven requests, but the server allows a burst of three and then one
//! every half second. Write a token bucket: a `Semaphore` holds the
//! tokens (three to start with); `take` waits for one and uses it up; a
//! task spawned by `new` puts one back every half second (starting half a
//! second from now), but never more than three. `stop` stops that task
//! and says so. After request 5 the caller pauses two seconds, and the
//! bucket fills up again, to three, no more:
//!
//! ```text
//! 0.0s request 1 sent
//! 0.0s request 2 sent
//! 0.0s request 3 sent
//! 0.5s request 4 sent
//! 1.0s request 5 sent
//! 3.0s request 6 sent
//! 3.0s request 7 sent
//! 3.0s refiller stopped
//! ```
//!
//! The examples that show how: `cargo run -p patterns --
//! semaphore_rate_limiter`, whose permits are used up with `forget` and put
//! back with `add_permits`, and `cargo run -p basics -- task_inspection` for
//! stopping a task. (`token_bucket` keeps the same bucket in a task of its
//! own, which hands each caller its token.)

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior, interval_at, sleep};

struct Bucket {
    tokens: Arc<Semaphore>,
    refiller: JoinHandle<()>,
}

impl Bucket {
    fn new(capacity: usize, every: Duration) -> Bucket {
        todo!("the semaphore, and the task that refills it")
    }

    async fn take(&self) {
        todo!("wait for a token and use it up, so it does not come back")
    }

    /// Stops the refiller and prints "refiller stopped".
    async fn stop(self) {
        todo!()
    }
}

pub async fn run() {
    let bucket = Bucket::new(3, Duration::from_millis(500));
    for id in 1..=7 {
        bucket.take().await;
        println!("request {id} sent");
        if id == 5 {
            sleep(Duration::from_secs(2)).await;
        }
    }
    bucket.stop().await;
}
