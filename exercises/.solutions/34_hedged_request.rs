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

async fn hedged(
    primary: impl Future<Output = &'static str>,
    backup: impl Future<Output = &'static str>,
) -> &'static str {
    // Pinned here, so the first `select!` can poll it without consuming
    // it, and the second can go on with the same request.
    let mut primary = pin!(primary);
    tokio::select! {
        answer = &mut primary => return answer,
        () = sleep(HEDGE_AFTER) => println!("primary is slow: asking the backup"),
    }
    // The backup starts only now: a future does nothing until polled.
    tokio::select! {
        answer = primary => answer,
        answer = backup => answer,
    }
}

pub async fn run() {
    let answer = hedged(request("primary", 500), request("backup", 150)).await;
    println!("answer from {answer}");
    let answer = hedged(request("primary", 100), request("backup", 150)).await;
    println!("answer from {answer}");
}
