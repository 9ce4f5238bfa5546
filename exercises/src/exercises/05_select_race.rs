//! Exercise: select_race
//!
//! Ask two mirrors for the same file and keep whichever answers first. The
//! other request is cancelled, so only the winner prints `... finished`:
//!
//! ```text
//! 0.8s us finished
//! 0.8s winner: us
//! ```
//!
//! The example that shows how: `cargo run -p concurrency -- race`.

use std::time::Duration;

use tokio::time::sleep;

async fn mirror(name: &'static str, time: Duration) -> &'static str {
    sleep(time).await;
    println!("{name} finished");
    name
}

pub async fn run() {
    let eu = mirror("eu", Duration::from_millis(1200));
    let us = mirror("us", Duration::from_millis(800));
    // TODO: race the two with `tokio::select!`: the first to finish wins,
    // and the other is dropped (cancelled) at its `.await`.
    let winner: &str = todo!();
    println!("winner: {winner}");
}
