//! Exercise: ordered_log
//!
//! Three writers each print an entry of three lines, 100 ms apart. Entries
//! must not mix, so each writer takes the printer's lock before its first
//! line. A Tokio `Mutex` is the right lock here: it is held across
//! `.await`s on purpose, and waiting for it doesn't block the thread. Yet
//! the lines still mix. Make each entry whole:
//!
//! ```text
//! 0.1s writer 1: line 1
//! 0.2s writer 1: line 2
//! 0.3s writer 1: line 3
//! 0.4s writer 2: line 1
//! 0.5s writer 2: line 2
//! 0.6s writer 2: line 3
//! 0.7s writer 3: line 1
//! 0.8s writer 3: line 2
//! 0.9s writer 3: line 3
//! ```
//!
//! The example that shows how: `cargo run -p synchronization -- mutex`.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::task::JoinSet;
use tokio::time::sleep;

async fn write_entry(writer: u32, printer: Arc<Mutex<()>>) {
    let _ = printer.lock().await;
    for line in 1..=3 {
        sleep(Duration::from_millis(100)).await;
        println!("writer {writer}: line {line}");
    }
}

pub async fn run() {
    let printer = Arc::new(Mutex::new(()));
    let mut writers = JoinSet::new();
    for writer in 1..=3 {
        writers.spawn(write_entry(writer, Arc::clone(&printer)));
    }
    writers.join_all().await;
}
