//! Sleeps a second at a time, for ever: on the paused clock, an hour of
//! virtual time goes by in moments.

use std::time::Duration;

pub async fn run() {
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
