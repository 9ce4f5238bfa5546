//! Prints a line, then blocks its runtime's thread for ever: no task, and
//! no dump, can run on it again.

use std::time::Duration;

pub async fn run() {
    println!("started");
    loop {
        std::thread::sleep(Duration::from_millis(50));
    }
}
