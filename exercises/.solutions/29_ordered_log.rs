use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::task::JoinSet;
use tokio::time::sleep;

async fn write_entry(writer: u32, printer: Arc<Mutex<()>>) {
    // Held until the end of the function: the whole entry, awaits included.
    let _printing = printer.lock().await;
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
