use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::sleep;

struct Pool {
    permits: Arc<Semaphore>,
    idle: Arc<Mutex<Vec<u32>>>,
}

struct PooledConnection {
    id: u32,
    idle: Arc<Mutex<Vec<u32>>>,
    // Dropped after `drop` below has put the connection back.
    _permit: OwnedSemaphorePermit,
}

impl Drop for PooledConnection {
    fn drop(&mut self) {
        self.idle.lock().expect("never poisoned").push(self.id);
    }
}

impl Pool {
    fn new() -> Pool {
        Pool {
            permits: Arc::new(Semaphore::new(2)),
            // `pop` takes from the end: connection 1 first.
            idle: Arc::new(Mutex::new(vec![2, 1])),
        }
    }

    async fn get(&self) -> PooledConnection {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .expect("the pool never closes its semaphore");
        let id = self
            .idle
            .lock()
            .expect("never poisoned")
            .pop()
            .expect("a permit means a connection is idle");
        PooledConnection {
            id,
            idle: Arc::clone(&self.idle),
            _permit: permit,
        }
    }
}

pub async fn run() {
    let pool = Arc::new(Pool::new());
    let mut queries = Vec::new();
    for (query, ms) in [(1, 1000), (2, 600), (3, 500), (4, 400)] {
        let pool = Arc::clone(&pool);
        queries.push(tokio::spawn(async move {
            let connection = pool.get().await;
            println!("query {query} on connection {}", connection.id);
            sleep(Duration::from_millis(ms)).await;
        }));
    }
    for query in queries {
        query.await.expect("a query panicked");
    }
    println!("all queries done");
}
