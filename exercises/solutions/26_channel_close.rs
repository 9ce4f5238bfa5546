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
    // The producers hold clones; this one would keep the channel open.
    drop(sender);
    let mut received = 0;
    while let Some(item) = items.recv().await {
        println!("got {item}");
        received += 1;
    }
    println!("channel closed after {received} items");
}
