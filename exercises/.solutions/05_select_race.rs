use std::time::Duration;

use tokio::time::sleep;

async fn mirror(name: &'static str, time: Duration) -> &'static str {
    sleep(time).await;
    println!("{name} finished");
    name
}

pub async fn run() {
    let eu = mirror("eu", Duration::from_millis(1200));
    let us = mirror("us", Duration::from_millis(800));
    let winner = tokio::select! {
        name = eu => name,
        name = us => name,
    };
    println!("winner: {winner}");
}
