//! Exercise: batcher
//!
//! Items arrive one by one; writing them out one by one is slow, so the
//! batcher groups them. A batch is written when it holds three items, or
//! when its first item has waited one second, whichever comes first, and
//! what is left when the channel closes is written at once:
//!
//! ```text
//! 0.3s batch [1, 2, 3] (full)
//! 1.5s batch [4, 5] (waited)
//! 2.2s batch [6, 7] (closed)
//! ```
//!
//! (Item 4 came at 0.5s, so its batch waits until 1.5s although item 5
//! came at 1.0s.)
//!
//! The examples that show how: `cargo run -p concurrency -- select_loop`
//! and `cargo run -p iterators -- stream_batches`.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::{Instant, sleep};

const MAX_BATCH: usize = 3;
/// The longest an item waits in a batch that is not full.
const MAX_WAIT: Duration = Duration::from_secs(1);

fn flush(batch: &mut Vec<u32>, why: &str) {
    println!("batch {batch:?} ({why})");
    batch.clear();
}

async fn batcher(mut items: mpsc::Receiver<u32>) {
    todo!("receive items and flush them with `flush(&mut batch, \"full\")` and the like")
}

pub async fn run() {
    let (sender, items) = mpsc::channel(8);
    let batcher = tokio::spawn(batcher(items));
    for (item, after_ms) in (1..).zip([100, 100, 100, 200, 500, 1000, 200]) {
        sleep(Duration::from_millis(after_ms)).await;
        sender.send(item).await.expect("the batcher is there");
    }
    drop(sender);
    batcher.await.expect("the batcher panicked");
}
