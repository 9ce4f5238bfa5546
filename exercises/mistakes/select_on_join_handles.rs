//! A learner's `select_race`, the `asyncio.wait(FIRST_COMPLETED)` habit: both
//! racers spawned, and `select!` on their `JoinHandle`s. The right lines at
//! the right times, but the loser runs on, detached. The checker must say so
//! (`verify`).

use std::time::Duration;

use tokio::time::sleep;

async fn mirror(name: &'static str, time: Duration) -> &'static str {
    sleep(time).await;
    println!("{name} finished");
    name
}

pub async fn run() {
    let eu = tokio::spawn(mirror("eu", Duration::from_millis(1200)));
    let us = tokio::spawn(mirror("us", Duration::from_millis(800)));
    let winner = tokio::select! {
        name = eu => name.expect("the eu mirror does not panic"),
        name = us => name.expect("the us mirror does not panic"),
    };
    println!("winner: {winner}");
}
