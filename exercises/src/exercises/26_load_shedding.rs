//! Exercise: load_shedding
//!
//! A request comes in every 100 ms, and the one worker needs 270 ms per
//! request. Its queue has room for one request. As shipped, the front door
//! waits for room (`send(..).await`), so requests pile up behind it and are
//! served later and later. A busy server should answer "busy" at once
//! instead: turn a request away when the queue is full, without waiting.
//!
//! ```text
//! 0.1s accepted request 1
//! 0.2s accepted request 2
//! 0.3s turned away request 3
//! 0.37s handled request 1
//! 0.4s accepted request 4
//! 0.5s turned away request 5
//! 0.6s turned away request 6
//! 0.64s handled request 2
//! 0.91s handled request 4
//! ```
//!
//! (Request 2 fits at 0.2s: the worker took request 1 out of the queue at
//! once.)
//!
//! The example that shows how: `cargo run -p patterns -- load_shedding`.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::sleep;

async fn worker(mut queue: mpsc::Receiver<u32>) {
    while let Some(id) = queue.recv().await {
        sleep(Duration::from_millis(270)).await;
        println!("handled request {id}");
    }
}

pub async fn run() {
    let (requests, queue) = mpsc::channel(1);
    let worker = tokio::spawn(worker(queue));
    for id in 1..=6 {
        sleep(Duration::from_millis(100)).await;
        // TODO: don't wait for room: accept the request if it fits, and
        // print "turned away request {id}" if the queue is full.
        requests.send(id).await.expect("the worker is there");
        println!("accepted request {id}");
    }
    drop(requests);
    worker.await.expect("the worker panicked");
}
