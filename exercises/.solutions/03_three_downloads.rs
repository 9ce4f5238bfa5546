use std::time::Duration;

use tokio::time::sleep;

async fn download(name: &str, time: Duration) -> usize {
    println!("downloading {name}");
    sleep(time).await;
    println!("{name} done");
    20
}

pub async fn run() {
    let (a, b, c) = tokio::join!(
        download("a.txt", Duration::from_millis(2000)),
        download("b.txt", Duration::from_millis(1500)),
        download("c.txt", Duration::from_millis(1000)),
    );
    println!("3 files, {} bytes", a + b + c);
}
