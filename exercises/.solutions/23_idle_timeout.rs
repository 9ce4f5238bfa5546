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
        sleep(Duration::from_secs(30)).await;
    });
    loop {
        tokio::select! {
            message = inbox.recv() => match message {
                Some(text) => println!("message: {text}"),
                None => break,
            },
            () = sleep(Duration::from_secs(1)) => {
                println!("idle for 1s, closing the session");
                break;
            }
        }
    }
    client.abort();
}
