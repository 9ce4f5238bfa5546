use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::time::sleep;

async fn upload(id: u64) {
    println!("upload {id} started");
    sleep(Duration::from_millis(800 + 200 * id)).await;
    println!("upload {id} finished");
}

pub async fn run() {
    let permits = Arc::new(Semaphore::new(2));
    let mut uploads = Vec::new();
    for id in 1..=5 {
        let permits = Arc::clone(&permits);
        uploads.push(tokio::spawn(async move {
            let _permit = permits
                .acquire()
                .await
                .expect("the semaphore is never closed");
            upload(id).await;
        }));
    }
    for upload in uploads {
        upload.await.expect("an upload panicked");
    }
}
