use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior, interval_at, sleep};

/// A token bucket: each request takes a token; a task puts one back every
/// `every`, up to `capacity`.
struct Bucket {
    tokens: Arc<Semaphore>,
    refiller: JoinHandle<()>,
}

impl Bucket {
    fn new(capacity: usize, every: Duration) -> Bucket {
        let tokens = Arc::new(Semaphore::new(capacity));
        let refiller = tokio::spawn(refill(Arc::clone(&tokens), capacity, every));
        Bucket { tokens, refiller }
    }

    async fn take(&self) {
        // A token taken is gone: `forget` keeps the permit from coming back
        // when it is dropped. Only the refiller adds permits.
        self.tokens
            .acquire()
            .await
            .expect("the semaphore is never closed")
            .forget();
    }

    /// Stops the refiller: a dropped `JoinHandle` would leave it running.
    async fn stop(self) {
        self.refiller.abort();
        match self.refiller.await {
            Err(error) if error.is_cancelled() => println!("refiller stopped"),
            Err(error) => println!("refiller failed: {error}"),
            Ok(()) => println!("refiller ended"),
        }
    }
}

async fn refill(tokens: Arc<Semaphore>, capacity: usize, every: Duration) {
    // Starting one period from now: `interval`'s first tick is at once.
    let mut ticks = interval_at(Instant::now() + every, every);
    // A late tick adds one token, not a burst of the ones it missed.
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if tokens.available_permits() < capacity {
            tokens.add_permits(1);
        }
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
