use std::time::Duration;

use tokio::time::{MissedTickBehavior, interval, sleep};

async fn report(number: u32) {
    println!("report {number}");
    sleep(Duration::from_millis(100)).await;
}

pub async fn run() {
    let mut ticks = interval(Duration::from_millis(300));
    // A report that overran would make the next tick late. The default,
    // `Burst`, would then fire the missed ticks back to back; `Skip` drops
    // them and keeps to the 300 ms schedule.
    ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
    for number in 1..=4 {
        ticks.tick().await;
        report(number).await;
    }
}
