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
    let mut batch = Vec::with_capacity(MAX_BATCH);
    // One sleep for the whole loop, moved to a new deadline when a batch
    // starts; made anew on each turn, it would restart at every item.
    let deadline = sleep(MAX_WAIT);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            item = items.recv() => match item {
                Some(item) => {
                    if batch.is_empty() {
                        deadline.as_mut().reset(Instant::now() + MAX_WAIT);
                    }
                    batch.push(item);
                    if batch.len() == MAX_BATCH {
                        flush(&mut batch, "full");
                    }
                }
                None => {
                    if !batch.is_empty() {
                        flush(&mut batch, "closed");
                    }
                    break;
                }
            },
            // Only while a batch waits: an empty one has no deadline.
            () = &mut deadline, if !batch.is_empty() => flush(&mut batch, "waited"),
        }
    }
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
