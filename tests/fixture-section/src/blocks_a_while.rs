//! Blocks its runtime's thread for a second, then ends.

use std::time::Duration;

pub async fn run() {
    std::thread::sleep(Duration::from_secs(1));
    println!("done");
}
