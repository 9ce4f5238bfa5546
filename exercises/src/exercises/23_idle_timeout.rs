//! Exercise: idle_timeout
//!
//! A session reads messages from a channel and closes itself after one
//! second without any. In a loop, `tokio::select!` waits for whichever comes
//! first: the next message, or a one-second sleep made anew on every turn,
//! so each message restarts the countdown:
//!
//! ```text
//! 0.2s message: hello
//! 0.9s message: still here?
//! 1.5s message: yes
//! 2.5s idle for 1s, closing the session
//! ```
//!
//! (The sender is still open after its last message, so `recv` alone would
//! wait forever.)
//!
//! The example that shows how: `cargo run -p concurrency -- select_loop`.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::sleep;

pub async fn run() {
    let (sender, mut inbox) = mpsc::channel(8);
    let client = tokio::spawn(async move {
        for (after, text) in [(200, "hello"), (700, "still here?"), (600, "yes")] {
            sleep(Duration::from_millis(after)).await;
            sender.send(text).await.expect("the session is open");
        }
        // Keeps the channel open for a long while without sending.
        sleep(Duration::from_secs(30)).await;
    });
    loop {
        // TODO: also stop after one second without a message: `select!`
        // between `inbox.recv()` and `sleep(Duration::from_secs(1))`.
        match inbox.recv().await {
            Some(text) => println!("message: {text}"),
            None => break,
        }
    }
    client.abort();
}
