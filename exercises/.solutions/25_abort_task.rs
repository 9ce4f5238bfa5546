use std::time::Duration;

use tokio::time::sleep;

pub async fn run() {
    let poller = tokio::spawn(async {
        for poll in 1.. {
            sleep(Duration::from_millis(400)).await;
            println!("poll {poll}");
        }
    });
    sleep(Duration::from_secs(1)).await;
    poller.abort();
    let cancelled = poller.await.is_err_and(|error| error.is_cancelled());
    println!("poller cancelled: {cancelled}");
    sleep(Duration::from_millis(1500)).await;
    println!("done");
}
