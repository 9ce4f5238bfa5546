//! Exercise: ticker
//!
//! Report every 300 ms, where each report itself takes 100 ms. Sleeping
//! 300 ms after each report lets the schedule drift by the report's own
//! time (0.0s, 0.4s, 0.8s...). A `tokio::time::interval` ticks at a fixed
//! rate instead, as long as the work fits in the period (by default, ticks
//! missed while the work ran late fire at once, in a burst, to catch up):
//!
//! ```text
//! 0.0s report 1
//! 0.3s report 2
//! 0.6s report 3
//! 0.9s report 4
//! ```
//!
//! The example that shows how: `cargo run -p real-world -- background_services`.

use std::time::Duration;

use tokio::time::sleep;

async fn report(number: u32) {
    println!("report {number}");
    sleep(Duration::from_millis(100)).await;
}

pub async fn run() {
    // TODO: make `tokio::time::interval(Duration::from_millis(300))` before
    // the loop and await its `tick()` at the top of each turn (the first tick
    // completes at once), instead of sleeping after each report.
    for number in 1..=4 {
        report(number).await;
        sleep(Duration::from_millis(300)).await;
    }
}
