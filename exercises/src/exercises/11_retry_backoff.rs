//! Exercise: retry_backoff
//!
//! The service fails three times before it answers. Retry it up to five
//! times, waiting 100 ms after the first failure and twice as long after
//! each one after that (exponential backoff), so as not to hammer it:
//!
//! ```text
//! 0.0s attempt 1 failed: service busy
//! 0.1s attempt 2 failed: service busy
//! 0.3s attempt 3 failed: service busy
//! 0.7s attempt 4: pong
//! ```
//!
//! The example that shows how: `cargo run -p error-handling -- retry_and_timing`.

use std::time::Duration;

struct Service {
    failures_left: u32,
}

impl Service {
    async fn ping(&mut self) -> Result<&'static str, &'static str> {
        if self.failures_left > 0 {
            self.failures_left -= 1;
            Err("service busy")
        } else {
            Ok("pong")
        }
    }
}

pub async fn run() {
    let mut service = Service { failures_left: 3 };
    let mut delay = Duration::from_millis(100);
    for attempt in 1..=5 {
        match service.ping().await {
            Ok(answer) => {
                println!("attempt {attempt}: {answer}");
                return;
            }
            Err(error) => {
                println!("attempt {attempt} failed: {error}");
                // TODO: wait `delay` before the next attempt, then double it.
            }
        }
    }
    println!("gave up");
}
