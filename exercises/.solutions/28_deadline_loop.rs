use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::sleep;

async fn sensor(readings: mpsc::Sender<u32>) {
    for reading in 1.. {
        sleep(Duration::from_millis(300)).await;
        if readings.send(reading).await.is_err() {
            break;
        }
    }
}

pub async fn run() {
    let (sender, mut readings) = mpsc::channel(4);
    let sensor = tokio::spawn(sensor(sender));
    // Made once, so every turn of the loop waits for the same deadline.
    let deadline = sleep(Duration::from_secs(2));
    tokio::pin!(deadline);
    let mut count = 0;
    loop {
        tokio::select! {
            Some(reading) = readings.recv() => {
                count += 1;
                println!("reading {reading}");
            }
            () = &mut deadline => {
                println!("deadline: {count} readings");
                break;
            }
        }
    }
    // The sensor stops at its next send, which fails once this is dropped.
    drop(readings);
    sensor.await.expect("the sensor panicked");
}
