//! Waits for a plain thread that answers after a minute of real time: until
//! then nothing in the runtime is left to wake `main`, yet it is not stuck.

use std::time::Duration;

pub async fn run() -> Result<(), tokio::sync::oneshot::error::RecvError> {
    let (answer, answered) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(60));
        let _ = answer.send("answered");
    });
    println!("{}", answered.await?);
    Ok(())
}
