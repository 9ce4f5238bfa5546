//! Exercise: spawn_join
//!
//! Brew coffee (3 seconds) and tea (2 seconds) at the same time, each in its
//! own task, then serve both:
//!
//! ```text
//! 2.0s tea ready
//! 3.0s coffee ready
//! 3.0s served coffee and tea
//! ```
//!
//! The example that shows how: `cargo run -p basics -- spawn_tasks`.

use std::time::Duration;

use tokio::time::sleep;

async fn brew(drink: &'static str, time: Duration) -> &'static str {
    sleep(time).await;
    println!("{drink} ready");
    drink
}

pub async fn run() {
    // TODO: start `brew("coffee", 3 s)` and `brew("tea", 2 s)` as two tasks
    // with `tokio::spawn`, then await both handles.
    let coffee: &str = todo!();
    let tea: &str = todo!();
    println!("served {coffee} and {tea}");
}
