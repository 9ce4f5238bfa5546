use std::time::Duration;

async fn work() {
    tokio::time::sleep(Duration::from_millis(1200)).await;
    println!("work done");
}

pub async fn run() {
    let heartbeat = tokio::spawn(async {
        for beat in 1..=3 {
            tokio::time::sleep(Duration::from_millis(500)).await;
            println!("heartbeat {beat}");
        }
    });
    work().await;
    heartbeat.await.expect("the heartbeat panicked");
}
