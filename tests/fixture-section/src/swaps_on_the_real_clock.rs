//! Prints `first` then, a second later, `second`; on the real clock, the other way round.

use std::time::Duration;

use tokio::time::sleep;

pub async fn run() {
    // The paused clock lets no real time pass while it sleeps.
    let started = std::time::Instant::now();
    sleep(Duration::from_millis(100)).await;
    let real = started.elapsed() >= Duration::from_millis(100);
    let (one, other) = if real {
        ("second", "first")
    } else {
        ("first", "second")
    };
    println!("{one}");
    sleep(Duration::from_secs(1)).await;
    println!("{other}");
}
