//! Hello, world: run an async function to completion.
//!
//! Three of the guides start with the same program, called `main` or
//! `hello_async`, which prints `Hello` and `World`; *Python Async/Await*
//! prints `Start` and `End`. This file runs both, one after the other.
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
//! it, `#[tokio::main]` starts a worker thread per CPU core, and tasks really
//! do run in parallel: the section `runtime` shows both.
//!
//! Translates:
//! - *Asynchronous Programming in Python*, "Event Loop"
//! - *Python Async Programming: A Detailed Guide*, "Using `asyncio.run()`"
//! - *Async/Await in Python*, "Coroutines and Event Loop" (`hello_async`)
//! - *Python Async/Await*, "Coroutines" (`my_coroutine`)

use std::time::Duration;

use tokio::time::sleep;

async fn hello_async() {
    println!("Hello");
    // Like `asyncio.sleep`, Tokio's `sleep` suspends only this future, leaving
    // the thread free for other tasks. `std::thread::sleep` would block them all.
    sleep(Duration::from_secs(1)).await;
    println!("World");
}

async fn my_coroutine() {
    println!("Start");
    sleep(Duration::from_secs(1)).await;
    println!("End");
}

pub async fn run() {
    hello_async().await;
    my_coroutine().await;
}
