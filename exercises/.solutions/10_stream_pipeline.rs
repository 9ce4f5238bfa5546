use std::time::Duration;

use tokio_stream::{Stream, StreamExt};

fn sensor() -> impl Stream<Item = i32> {
    let readings = [18, 23, 19, 25, 17, 21, 24, 16];
    tokio_stream::iter(readings).then(|degrees| async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        degrees
    })
}

pub async fn run() {
    let alerts = sensor()
        .filter(|&degrees| degrees > 20)
        .map(|degrees| format!("alert: {degrees} degrees"))
        .take(3);
    tokio::pin!(alerts);
    while let Some(alert) = alerts.next().await {
        println!("{alert}");
    }
    println!("sensor stream closed");
}
