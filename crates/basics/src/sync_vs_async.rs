//! Three two-second downloads: six seconds when each blocks, two seconds when
//! they wait concurrently.
//!
//! `std::thread::sleep` blocks the whole thread, so the blocking downloads run
//! on `spawn_blocking`, off the runtime (see the book's page "Blocking work").
//! `tokio::time::sleep` only suspends its future, so the async downloads wait
//! at the same time.
//!
//! Translates:
//! - *Python Async Programming: A Detailed Guide*,
//!   "Synchronous Code (Blocking)" and
//!   "Asynchronous Code (Non-Blocking)"

use std::time::Duration;

use tokio::task::JoinError;
use tokio_util::sync::CancellationToken;

const DOWNLOAD: Duration = Duration::from_secs(2);
const FILES: [&str; 3] = ["file1.txt", "file2.txt", "file3.txt"];

fn download_file_blocking(filename: &str) -> String {
    println!("Starting download: {filename}");
    std::thread::sleep(DOWNLOAD);
    println!("Completed download: {filename}");
    format!("Data from {filename}")
}

fn download_all_blocking(stop: &CancellationToken) -> Vec<String> {
    let start = std::time::Instant::now();
    let mut results = Vec::new();
    for filename in FILES {
        // A blocking job can't be cancelled from outside, so it checks the
        // token between downloads, as a thread from `to_thread` would check
        // an event.
        if stop.is_cancelled() {
            // Nobody is waiting for the results any more.
            return results;
        }
        results.push(download_file_blocking(filename));
    }
    // One after another: at least the sum of the downloads, however late
    // the operating system wakes the thread, so the total printed is that
    // bound, checked against the real clock.
    let sum = DOWNLOAD * FILES.len() as u32;
    assert!(start.elapsed() >= sum, "a blocking sleep never ends early");
    println!("Total time: at least {:.1} seconds", sum.as_secs_f64());
    results
}

async fn download_file(filename: &str) -> String {
    println!("Starting download: {filename}");
    tokio::time::sleep(DOWNLOAD).await;
    println!("Completed download: {filename}");
    format!("Data from {filename}")
}

async fn download_all() -> Vec<String> {
    let start = tokio::time::Instant::now();
    let (a, b, c) = tokio::join!(
        biased;
        download_file("file1.txt"),
        download_file("file2.txt"),
        download_file("file3.txt"),
    );
    println!("Total time: {:.1} seconds", start.elapsed().as_secs_f64());
    vec![a, b, c]
}

pub async fn run() -> Result<(), JoinError> {
    println!("Synchronous (blocking):");
    let stop = CancellationToken::new();
    let job = tokio::task::spawn_blocking({
        let stop = stop.clone();
        move || download_all_blocking(&stop)
    });
    // Dropping `run()` drops the guard, which asks the job to stop.
    let _stop_job = stop.drop_guard();
    let blocking = job.await?;

    println!();
    println!("Asynchronous (non-blocking):");
    let concurrent = download_all().await;

    assert_eq!(blocking, concurrent, "both versions download the same data");
    Ok(())
}
