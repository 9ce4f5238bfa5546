//! Blocks a worker thread in a task's poll until the runner asks for a dump.
//!
//! The task's poll blocks its thread until `run()` is polled again, and
//! half a second after, then the task waits for ever. Nothing wakes
//! `run()`: only the runner polls it again, when `--timeout` asks for a
//! dump. On the multi-thread runtime that dump takes no Tokio dump, which
//! would wait for every worker: it is done while this one is held.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

pub async fn run() {
    let (tell, told) = std::sync::mpsc::channel::<()>();
    let mut blocked = tokio::spawn(async move {
        let _ = told.recv();
        std::thread::sleep(Duration::from_millis(500));
        std::future::pending::<()>().await;
    });
    println!("started");
    let mut polls = 0;
    std::future::poll_fn(|cx| {
        polls += 1;
        if polls == 2 {
            let _ = tell.send(());
        }
        Pin::new(&mut blocked).poll(cx).map(|_| ())
    })
    .await;
}
