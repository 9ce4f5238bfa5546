//! Exercise: connection_pool
//!
//! *Python Async/Await*, "Exercises" 2: "Implement an async connection pool
//! for database operations". The pool has two connections and four queries
//! want one. `get` waits for a permit (one per connection), then takes an
//! idle connection; dropping the `PooledConnection` puts it back (that part
//! is written) and releases the permit:
//!
//! ```text
//! 0.0s query 1 on connection 1
//! 0.0s query 2 on connection 2
//! 0.6s query 3 on connection 2
//! 1.0s query 4 on connection 1
//! 1.4s all queries done
//! ```
//!
//! The example that shows how: `cargo run -p context-managers -- connection_pool`.

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
        // TODO: wait for a permit (`acquire_owned` on a clone of the Arc),
        // then pop an idle connection; a permit means one is idle.
        todo!()
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
