//! Prints from `run()`, a task, the blocking pool, and half a line at a time.

use std::io::Write as _;
use std::time::Duration;

use tokio::time::sleep;

pub async fn run() {
    println!("start");
    let task = tokio::spawn(async {
        sleep(Duration::from_millis(250)).await;
        println!("a task, a quarter of a second in");
    });
    print!("half ");
    let _ = std::io::stdout().flush();
    sleep(Duration::from_millis(750)).await;
    println!("a line, three quarters of a second in");
    // The paused clock waits for a blocking job before it moves on.
    let _ = tokio::task::spawn_blocking(|| println!("the blocking pool")).await;
    let _ = task.await;
}
