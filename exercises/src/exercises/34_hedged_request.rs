//! Exercise: hedged_request
//!
//! A hedged request: ask the primary server; if it has not answered after
//! 200 ms, ask the backup too, and take whichever answers first. The other
//! request is cancelled (`OnCancel` prints it), and a backup that was
//! never needed is never started:
//!
//! ```text
//! 0.2s primary is slow: asking the backup
//! 0.35s primary cancelled
//! 0.35s answer from backup
//! 0.45s answer from primary
//! ```
//!
//! (The second primary answers at 0.1s into its call; its backup was
//! made, but as a future that nothing polled: nothing of it ran, not even
//! the line that would print "backup cancelled".)
//!
//! The examples that show how: `cargo run -p concurrency -- first_completed`,
//! and `cargo run -p basics -- lazy_futures` on futures that do nothing
//! until polled.

use std::pin::pin;
use std::time::Duration;

use tokio::time::sleep;

/// How long the primary gets before the backup is asked too.
const HEDGE_AFTER: Duration = Duration::from_millis(200);

/// Prints that a request was cancelled if it is dropped before it answers.
struct OnCancel {
    server: &'static str,
    answered: bool,
}

impl Drop for OnCancel {
    fn drop(&mut self) {
        if !self.answered {
            println!("{} cancelled", self.server);
        }
    }
}

async fn request(server: &'static str, takes_ms: u64) -> &'static str {
    let mut guard = OnCancel {
        server,
        answered: false,
    };
    sleep(Duration::from_millis(takes_ms)).await;
    guard.answered = true;
    server
}

/// The answer of `primary`, or of `backup` if it answers first once asked.
async fn hedged(
    primary: impl Future<Output = &'static str>,
    backup: impl Future<Output = &'static str>,
) -> &'static str {
    todo!("wait for the primary for a while, then for either")
}

pub async fn run() {
    let answer = hedged(request("primary", 500), request("backup", 150)).await;
    println!("answer from {answer}");
    let answer = hedged(request("primary", 100), request("backup", 150)).await;
    println!("answer from {answer}");
}
