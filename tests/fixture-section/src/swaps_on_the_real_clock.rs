//! Prints `first` then, a second later, `second`; on the real clock, the other way round.

use std::time::Duration;

use tokio::time::{Instant, sleep};

pub async fn run() {
    // The paused clock stands still while the thread sleeps; the real one
    // does not, however busy the machine.
    let before = Instant::now();
    std::thread::sleep(Duration::from_millis(1));
    let real = Instant::now() > before;
    let (one, other) = if real {
        ("second", "first")
    } else {
        ("first", "second")
    };
    println!("{one}");
    sleep(Duration::from_secs(1)).await;
    println!("{other}");
}
