use std::time::Duration;

use tokio::sync::watch;
use tokio::time::sleep;

async fn worker(settings: watch::Receiver<u32>) {
    for request in 1..=5 {
        let limit = *settings.borrow();
        println!("request {request} with limit {limit}");
        sleep(Duration::from_millis(400)).await;
    }
}

pub async fn run() {
    let (reload, settings) = watch::channel(10);
    let worker = tokio::spawn(worker(settings));
    for (at, limit) in [(500, 20), (800, 30)] {
        sleep(Duration::from_millis(at)).await;
        reload.send(limit).expect("the worker still listens");
    }
    worker.await.expect("the worker panicked");
}
