//! A learner's `three_downloads` that warms the connection up first, with
//! `warm_up(..)` not awaited: rustc warns of an unused future, and the
//! warm-up never happens. It would have printed nothing, and the downloads
//! keep their times because it never ran: the output is right. The checker
//! must not pass it (`verify`).

use std::time::Duration;

use tokio::time::sleep;

async fn warm_up(host: &str) {
    sleep(Duration::from_millis(100)).await;
    assert!(!host.is_empty());
}

async fn download(name: &str, time: Duration) -> usize {
    println!("downloading {name}");
    sleep(time).await;
    println!("{name} done");
    20
}

pub async fn run() {
    warm_up("mirror.example");
    let (a, b, c) = tokio::join!(
        download("a.txt", Duration::from_millis(2000)),
        download("b.txt", Duration::from_millis(1500)),
        download("c.txt", Duration::from_millis(1000)),
    );
    println!("3 files, {} bytes", a + b + c);
}
