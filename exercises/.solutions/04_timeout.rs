use std::time::Duration;

use tokio::time::{sleep, timeout};

async fn lookup(time: Duration) -> u32 {
    sleep(time).await;
    42
}

pub async fn run() {
    let limit = Duration::from_secs(1);
    for (name, time) in [
        ("slow", Duration::from_secs(3)),
        ("fast", Duration::from_millis(500)),
    ] {
        match timeout(limit, lookup(time)).await {
            Ok(answer) => println!("{name} lookup: {answer}"),
            Err(_elapsed) => println!("{name} lookup: timed out"),
        }
    }
}
