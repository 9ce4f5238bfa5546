//! A busy task that yields between steps: it moves all the time.

pub async fn run() {
    let worker = tokio::spawn(async {
        let mut steps = 0u64;
        while steps < 400_000_000 {
            steps += 1;
            tokio::task::yield_now().await;
        }
        steps
    });
    println!("{}", worker.await.unwrap_or_default());
}
