//! Waits for a plain thread that answers after a moment of real time, with
//! no timer of its own: on the paused clock the runtime is idle meanwhile.
//! A cancellation leaves the thread to end by itself, a moment later.

use std::time::Duration;

pub async fn run() -> Result<(), tokio::sync::oneshot::error::RecvError> {
    let (answer, answered) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        let _ = answer.send("answered");
    });
    println!("{}", answered.await?);
    Ok(())
}
