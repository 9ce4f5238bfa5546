//! Exercise: semaphore_limit
//!
//! Five uploads, but the server accepts only two at a time. Make each
//! upload wait for a permit from a `tokio::sync::Semaphore` with two
//! permits before it starts, and hold it until it ends:
//!
//! ```text
//! 0.0s upload 1 started
//! 0.0s upload 2 started
//! 1.0s upload 1 finished
//! 1.0s upload 3 started
//! 1.2s upload 2 finished
//! 1.2s upload 4 started
//! 2.4s upload 3 finished
//! 2.4s upload 5 started
//! 2.8s upload 4 finished
//! 4.2s upload 5 finished
//! ```
//!
//! The example that shows how: `cargo run -p synchronization -- semaphore`.

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
            // TODO: acquire a permit first (`acquire_owned` or `acquire`),
            // and keep it alive until the upload is done.
            upload(id).await;
        }));
    }
    for upload in uploads {
        upload.await.expect("an upload panicked");
    }
}
