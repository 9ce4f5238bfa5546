//! Exercise: bounded_channel
//!
//! A fast producer sends five orders to a kitchen that needs one second per
//! order. With an unbounded channel the producer runs ahead and the queue
//! grows without limit. Use a bounded channel with room for two orders, so
//! that `send` waits while the queue is full (backpressure):
//!
//! ```text
//! 0.0s sent order 1
//! 0.0s sent order 2
//! 0.0s sent order 3
//! 1.0s cooked order 1
//! 1.0s sent order 4
//! 2.0s cooked order 2
//! 2.0s sent order 5
//! 3.0s cooked order 3
//! 4.0s cooked order 4
//! 5.0s cooked order 5
//! ```
//!
//! (Order 3 fits at once: the kitchen has taken order 1 out of the queue
//! and is cooking it.)
//!
//! The example that shows how: `cargo run -p patterns -- bounded_queue`.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::sleep;

pub async fn run() {
    // TODO: `mpsc::channel(2)` instead; its `send` is async and returns a
    // `Result`.
    let (orders, mut queue) = mpsc::unbounded_channel();
    let kitchen = tokio::spawn(async move {
        while let Some(order) = queue.recv().await {
            sleep(Duration::from_secs(1)).await;
            println!("cooked order {order}");
        }
    });
    for order in 1..=5 {
        orders.send(order).expect("the kitchen closed");
        println!("sent order {order}");
    }
    drop(orders);
    kitchen.await.expect("the kitchen panicked");
}
