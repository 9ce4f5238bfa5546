//! Leaves one task running on purpose, and says so in its listing.

use std::time::Duration;

pub async fn run() {
    tokio::spawn(tokio::time::sleep(Duration::from_secs(3600)));
    println!("returned");
}
