//! Hello, world: run an async function to completion.
//!
//! `asyncio.run(main())` makes an event loop, runs `main` to the end and closes
//! it. Tokio's loop is a `Runtime`, and `block_on` drives one future on it;
//! `#[tokio::main(flavor = "current_thread")]` writes both, on one thread like
//! asyncio; plain `#[tokio::main]` runs tasks in parallel, a thread per core.
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
