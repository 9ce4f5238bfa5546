//! Exercise: stream_pipeline
//!
//! A sensor yields one reading every half second. Build a stream pipeline
//! that keeps only the readings above 20 degrees, formats them, and stops
//! after three:
//!
//! ```text
//! 1.0s alert: 23 degrees
//! 2.0s alert: 25 degrees
//! 3.0s alert: 21 degrees
//! 3.0s sensor stream closed
//! ```
//!
//! `tokio_stream::StreamExt` gives streams `filter`, `map`, `take` and
//! `next`, as `Iterator` gives iterators.
//!
//! If the compiler answers that something "cannot be unpinned", read
//! "Pinning" in the book's "The Rust you need" (`docs/src/rust-you-need.md`):
//! it explains that error in a few lines.
//!
//! The example that shows how: `cargo run -p iterators -- async_generator`.

use std::time::Duration;

use tokio_stream::{Stream, StreamExt};

/// Readings of 18, 23, 19, 25, 17, 21, 24, ... degrees, every 0.5s; the
/// first one after 0.5s.
fn sensor() -> impl Stream<Item = i32> {
    let readings = [18, 23, 19, 25, 17, 21, 24, 16];
    tokio_stream::iter(readings).then(|degrees| async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        degrees
    })
}

pub async fn run() {
    // TODO: keep readings above 20 (`filter`), turn each into
    // `format!("alert: {degrees} degrees")` (`map`), stop after three
    // (`take`), and print each as it arrives (`while let Some(..) = ..next().await`).
    let alerts = sensor();
    todo!();
    println!("sensor stream closed");
}
