//! Exercise: timeout
//!
//! Give each lookup one second at most. The slow lookup takes three seconds,
//! so it must be abandoned after one; the fast one answers in time:
//!
//! ```text
//! 1.0s slow lookup: timed out
//! 1.5s fast lookup: 42
//! ```
//!
//! The example that shows how: `cargo run -p error-handling -- timeouts`.

use std::time::Duration;

use tokio::time::sleep;

async fn lookup(time: Duration) -> u32 {
    sleep(time).await;
    42
}

pub async fn run() {
    let limit = Duration::from_secs(1);
    for (name, time) in [
        ("slow", Duration::from_secs(3)),
        ("fast", Duration::from_millis(500)),
    ] {
        // TODO: wrap the lookup in `tokio::time::timeout(limit, ...)` and
        // print `timed out` when it elapses.
        let answer = lookup(time).await;
        println!("{name} lookup: {answer}");
    }
}
