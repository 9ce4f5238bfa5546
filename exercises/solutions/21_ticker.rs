use std::time::Duration;

use tokio::time::{interval, sleep};

async fn report(number: u32) {
    println!("report {number}");
    sleep(Duration::from_millis(100)).await;
}

pub async fn run() {
    let mut ticks = interval(Duration::from_millis(300));
    for number in 1..=4 {
        ticks.tick().await;
        report(number).await;
    }
}
