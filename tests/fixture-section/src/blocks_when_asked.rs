//! Blocks its thread when the runner polls it again for a dump, then returns.
//!
//! It waits for nothing, so nothing wakes it: only the runner polls it
//! again, when `--timeout` asks for a dump. Then it blocks its thread for
//! half a second.

use std::task::Poll;
use std::time::Duration;

pub async fn run() {
    println!("started");
    let mut polls = 0;
    std::future::poll_fn(|_| {
        polls += 1;
        if polls == 1 {
            return Poll::Pending;
        }
        std::thread::sleep(Duration::from_millis(500));
        Poll::Ready(())
    })
    .await;
    println!("done");
}
