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
    async fn call(
        &mut self,
        request: impl Future<Output = Result<u32, String>>,
    ) -> Result<u32, String> {
        if let Some(until) = self.open_until
            && Instant::now() < until
        {
            // Turned away without calling: `request` is dropped unpolled.
            return Err("circuit open".to_owned());
        }
        // Closed, or open for long enough: this call is the trial.
        match request.await {
            Ok(answer) => {
                self.failures = 0;
                self.open_until = None;
                Ok(answer)
            }
            Err(error) => {
                self.failures += 1;
                // A failed trial opens the circuit again at once.
                if self.failures >= THRESHOLD || self.open_until.is_some() {
                    self.open_until = Some(Instant::now() + COOLDOWN);
                }
                Err(error)
            }
        }
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
