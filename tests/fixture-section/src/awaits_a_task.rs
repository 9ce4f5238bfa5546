//! Spawns a task and awaits its handle: cancelled while it waits, it drops
//! the handle, and the task runs on, detached, for up to a second.

use std::time::Duration;

pub async fn run() -> Result<(), tokio::task::JoinError> {
    let task = tokio::spawn(tokio::time::sleep(Duration::from_secs(1)));
    task.await?;
    println!("done");
    Ok(())
}
