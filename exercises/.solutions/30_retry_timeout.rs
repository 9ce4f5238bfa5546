use std::time::Duration;

use tokio::time::{sleep, timeout};

const ATTEMPTS: usize = 4;
const ATTEMPT_LIMIT: Duration = Duration::from_millis(300);
const FIRST_BACKOFF: Duration = Duration::from_millis(100);

/// One call to the service, which takes `takes_ms` to answer.
async fn service(takes_ms: u64) -> u32 {
    sleep(Duration::from_millis(takes_ms)).await;
    42
}

/// Calls the service up to four times; the n-th call takes `takes_ms[n]`.
async fn fetch(name: &str, takes_ms: [u64; ATTEMPTS]) -> Option<u32> {
    let mut backoff = FIRST_BACKOFF;
    for (attempt, takes_ms) in (1..).zip(takes_ms) {
        // A timed-out call is dropped, which cancels it.
        match timeout(ATTEMPT_LIMIT, service(takes_ms)).await {
            Ok(answer) => {
                println!("{name}: answer {answer} on attempt {attempt}");
                return Some(answer);
            }
            Err(_) => println!("{name}: attempt {attempt} timed out"),
        }
        // No wait after the last attempt: nothing follows it.
        if attempt < ATTEMPTS {
            sleep(backoff).await;
            backoff *= 2;
        }
    }
    println!("{name}: gave up after {ATTEMPTS} attempts");
    None
}

pub async fn run() {
    let flaky = fetch("flaky", [500, 400, 200, 100]).await;
    let down = fetch("down", [900; ATTEMPTS]).await;
    println!("results: {flaky:?} {down:?}");
}
