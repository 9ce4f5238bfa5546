//! Exercise: circuit_breaker
//!
//! A service is down for its first two seconds; a call to it takes 100 ms
//! to fail. Calling it anyway wastes that time and loads a service that is
//! already struggling. Write a circuit breaker: after two failures in a
//! row it opens and turns calls away at once, without calling, for one
//! second; then it lets one call through as a trial. A trial that succeeds
//! closes it; one that fails opens it for another second.
//!
//! ```text
//! 0.1s call 1: service down
//! 0.5s call 2: service down
//! 0.8s call 3: circuit open
//! 1.1s call 4: circuit open
//! 1.4s call 5: circuit open
//! 1.8s call 6: service down
//! 2.1s call 7: circuit open
//! 2.4s call 8: circuit open
//! 2.7s call 9: circuit open
//! 3.1s call 10: 7
//! 3.5s call 11: 7
//! ```
//!
//! The example that shows how: `cargo run -p patterns -- circuit_breaker`.

use std::time::Duration;

use tokio::time::{Instant, sleep};

/// Consecutive failures that open the circuit.
const THRESHOLD: u32 = 2;
/// How long an open circuit turns calls away before it lets one through.
const COOLDOWN: Duration = Duration::from_secs(1);

#[derive(Default)]
struct Breaker {
    failures: u32,
    /// `Some` while the circuit is open: calls are turned away until then.
    open_until: Option<Instant>,
}

impl Breaker {
    /// Awaits `request`, or turns it away with `Err("circuit open")`.
    async fn call(
        &mut self,
        request: impl Future<Output = Result<u32, String>>,
    ) -> Result<u32, String> {
        // TODO: this always calls.
        request.await
    }
}

/// A service that is down until 2.0s after `start`; a call takes 100 ms.
async fn service(start: Instant) -> Result<u32, String> {
    sleep(Duration::from_millis(100)).await;
    if start.elapsed() < Duration::from_secs(2) {
        Err("service down".to_owned())
    } else {
        Ok(7)
    }
}

pub async fn run() {
    let start = Instant::now();
    let mut breaker = Breaker::default();
    for call in 1..=11 {
        match breaker.call(service(start)).await {
            Ok(answer) => println!("call {call}: {answer}"),
            Err(error) => println!("call {call}: {error}"),
        }
        sleep(Duration::from_millis(300)).await;
    }
}
