use std::time::Duration;

use tokio::sync::mpsc::{self, error::TrySendError};
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
        // `try_send` never waits: a full queue turns the request away.
        match requests.try_send(id) {
            Ok(()) => println!("accepted request {id}"),
            Err(TrySendError::Full(id)) => println!("turned away request {id}"),
            Err(TrySendError::Closed(_)) => break,
        }
    }
    drop(requests);
    worker.await.expect("the worker panicked");
}
