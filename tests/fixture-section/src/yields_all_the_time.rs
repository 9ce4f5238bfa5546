//! A busy task that yields between steps, for ever: it moves all the time.

pub async fn run() -> Result<(), tokio::task::JoinError> {
    let worker = tokio::spawn(async {
        loop {
            tokio::task::yield_now().await;
        }
    });
    worker.await
}
