//! Defining async functions, async methods and async closures.
//!
//! `async def` is `async fn`, for methods too; it returns an `impl
//! Future<Output = String>` where the signature says `String`. Python has no
//! `async lambda` (the guide shows the `SyntaxError`); Rust has async
//! closures, `async |x| ...`, and the `AsyncFn*` traits to accept them.
//!
//! Translates:
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Defining Async Functions"
//! - *Asynchronous Programming in Python*, "Creating Async Functions"
//! - *Python Async Programming: A Detailed Guide*, "The `async` Keyword"

use std::time::Duration;

use tokio::time::sleep;

async fn simple_async() -> &'static str {
    sleep(Duration::from_secs(1)).await;
    "Done"
}

async fn async_with_params(name: &str, delay: Duration) -> String {
    println!("Starting {name}");
    sleep(delay).await;
    println!("Finished {name}");
    name.to_uppercase()
}

async fn fetch_data() -> String {
    // Stands in for an I/O call.
    sleep(Duration::from_secs(1)).await;
    "Data".to_owned()
}

async fn process_data() -> String {
    let data = fetch_data().await;
    data.to_uppercase()
}

struct DataFetcher;

impl DataFetcher {
    async fn fetch(&self) -> &'static str {
        "data"
    }
}

/// Accepts any async closure, the way a Python function would accept a
/// coroutine function as a callback.
async fn call_twice(f: impl AsyncFn(u32) -> u32) -> (u32, u32) {
    (f(1).await, f(2).await)
}

pub async fn run() {
    let result1 = simple_async().await;
    let result2 = async_with_params("test", Duration::from_millis(500)).await;
    println!("Results: {result1}, {result2}");

    println!("process_data() returned {}", process_data().await);
    println!("DataFetcher.fetch() returned {}", DataFetcher.fetch().await);

    let offset = 10;
    let add_offset = async |x: u32| {
        sleep(Duration::from_millis(100)).await;
        x + offset
    };
    println!("async closure returned {:?}", call_twice(add_offset).await);
}
