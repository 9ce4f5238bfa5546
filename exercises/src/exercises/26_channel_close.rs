//! Exercise: channel_close
//!
//! Three producers send their items to one consumer, which stops when the
//! channel closes: when the last `Sender` is dropped. `run` still holds the
//! original sender after cloning it for the producers, so the channel never
//! closes and the consumer waits forever. Let it close:
//!
//! ```text
//! 0.1s got a1
//! 0.2s got b1
//! 0.3s got c1
//! 0.4s got a2
//! 0.6s got b2
//! 0.9s got c2
//! 0.9s channel closed after 6 items
//! ```
//!
//! The example that shows how: `cargo run -p patterns -- many_producers_consumers`.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::sleep;

pub async fn run() {
    let (sender, mut items) = mpsc::channel(8);
    for (name, waits) in [("a", [100, 300]), ("b", [200, 400]), ("c", [300, 600])] {
        let sender = sender.clone();
        tokio::spawn(async move {
            for (count, wait) in (1..).zip(waits) {
                sleep(Duration::from_millis(wait)).await;
                let item = format!("{name}{count}");
                sender.send(item).await.expect("the consumer is there");
            }
        });
    }
    // TODO: the channel only closes when every sender is gone, this one too.
    let mut received = 0;
    while let Some(item) = items.recv().await {
        println!("got {item}");
        received += 1;
    }
    println!("channel closed after {received} items");
}
