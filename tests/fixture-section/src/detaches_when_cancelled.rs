//! The same as `awaits_a_task`, declared to leave its task running when it
//! is cancelled.

use std::time::Duration;

pub async fn run() -> Result<(), tokio::task::JoinError> {
    let task = tokio::spawn(tokio::time::sleep(Duration::from_secs(1)));
    task.await?;
    println!("done");
    Ok(())
}
