//! Exercise: deadline_loop
//!
//! Collect a sensor's readings, one every 0.3s, for two seconds in all,
//! then stop. The loop below waits for a reading or for the deadline,
//! whichever comes first, but the deadline never comes: the program runs
//! until the checker stops it. Make the deadline one fixed point in time:
//!
//! ```text
//! 0.3s reading 1
//! 0.6s reading 2
//! 0.9s reading 3
//! 1.2s reading 4
//! 1.5s reading 5
//! 1.8s reading 6
//! 2.0s deadline: 6 readings
//! ```
//!
//! The example that shows how: `cargo run -p concurrency -- select_loop`.

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
    let mut count = 0;
    loop {
        tokio::select! {
            Some(reading) = readings.recv() => {
                count += 1;
                println!("reading {reading}");
            }
            () = sleep(Duration::from_secs(2)) => {
                println!("deadline: {count} readings");
                break;
            }
        }
    }
    // The sensor stops at its next send, which fails once this is dropped.
    drop(readings);
    sensor.await.expect("the sensor panicked");
}
