//! Hello, world: run one async function to completion.
//!
//! Translates:
//! - *Asynchronous Programming in Python*, "Event Loop" and "Coroutines"
//! - *Python Async Programming: A Detailed Guide*, "Using `asyncio.run()`"
//! - *Async/Await in Python*, "Coroutines and Event Loop" (`hello_async`)
//! - *Python Async/Await*, "Coroutines"
//!
//! `asyncio.run(main())` creates an event loop, runs `main` until it returns,
//! and closes the loop. Tokio splits that in two: a `Runtime` is the event
//! loop, and `Runtime::block_on` drives one future on it to completion. The
//! `#[tokio::main]` attribute writes both for you, so a program of your own
//! runs this file's `run` like this:
//!
//! ```ignore
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() {
//!     run().await;
//! }
//! ```
//!
//! `flavor = "current_thread"` gives one thread, like asyncio's loop. Without
//! it, `#[tokio::main]` starts a worker thread per core, and tasks really do
//! run in parallel: the section `runtime` shows both.

use std::time::Duration;

pub async fn run() {
    println!("Hello");
    // Like `asyncio.sleep`, Tokio's `sleep` suspends only this future, leaving
    // the thread free for other tasks. `std::thread::sleep` would block them all.
    tokio::time::sleep(Duration::from_secs(1)).await;
    println!("World");
}
