//! A deadline made inside the `select!` of a loop: a reading comes every
//! half second, so the one-second sleep starts over each time and the
//! deadline never comes.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::sleep;

pub async fn run() {
    let (sender, mut readings) = mpsc::channel(1);
    tokio::spawn(async move {
        for reading in 1.. {
            sleep(Duration::from_millis(500)).await;
            if sender.send(reading).await.is_err() {
                break;
            }
        }
    });
    loop {
        tokio::select! {
            Some(reading) = readings.recv() => println!("reading {reading}"),
            () = sleep(Duration::from_secs(1)) => {
                println!("deadline");
                break;
            }
        }
    }
}
