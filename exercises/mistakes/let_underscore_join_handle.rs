//! A learner's `spawn_join` that lets the coffee's `JoinHandle` go with
//! `let _ =`: clippy's `let_underscore_future` fires, since a `JoinHandle`
//! is a future, but the task runs, detached, and is still brewing when `run`
//! returns. The checker must say that the task ran on, and must not call the
//! handle a future never awaited (`verify`).

use std::time::Duration;

use tokio::time::sleep;

async fn brew(drink: &'static str, time: Duration) -> &'static str {
    sleep(time).await;
    println!("{drink} ready");
    drink
}

pub async fn run() {
    let _ = tokio::spawn(brew("coffee", Duration::from_secs(3)));
    let tea = tokio::spawn(brew("tea", Duration::from_secs(2)));
    let tea = tea.await.expect("the tea task panicked");
    println!("served coffee and {tea}");
}
