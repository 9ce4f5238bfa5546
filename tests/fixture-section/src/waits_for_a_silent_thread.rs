//! Waits for a plain thread that answers after a minute of real time: until
//! then nothing in the runtime is left to wake `main`, yet it is not stuck.
//! The thread's name ends in a character that Linux, which keeps a name's
//! first 15 bytes, cuts in two.

use std::time::Duration;

pub async fn run() -> Result<(), tokio::sync::oneshot::error::RecvError> {
    let (answer, answered) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("a-late-answer-秒".to_owned())
        .spawn(move || {
            std::thread::sleep(Duration::from_secs(60));
            let _ = answer.send("answered");
        })
        .expect("a thread to start");
    println!("{}", answered.await?);
    Ok(())
}
