//! Exercise: three_downloads
//!
//! This program works, but it downloads one file after the other and takes
//! 4.5 seconds. Make the three downloads run at the same time, so that all
//! three are done after 2 seconds, the time of the slowest:
//!
//! ```text
//! 0.0s downloading a.txt
//! 0.0s downloading b.txt
//! 0.0s downloading c.txt
//! 1.0s c.txt done
//! 1.5s b.txt done
//! 2.0s a.txt done
//! 2.0s 3 files, 60 bytes
//! ```
//!
//! No task is needed: `tokio::join!` runs several futures concurrently
//! inside the current one.
//!
//! The example that shows how: `cargo run -p basics -- sequential_vs_concurrent`.

use std::time::Duration;

use tokio::time::sleep;

async fn download(name: &str, time: Duration) -> usize {
    println!("downloading {name}");
    sleep(time).await;
    println!("{name} done");
    20
}

pub async fn run() {
    // TODO: these three awaits run one after the other.
    let a = download("a.txt", Duration::from_millis(2000)).await;
    let b = download("b.txt", Duration::from_millis(1500)).await;
    let c = download("c.txt", Duration::from_millis(1000)).await;
    println!("3 files, {} bytes", a + b + c);
}
