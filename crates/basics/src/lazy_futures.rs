//! Futures are lazy: calling an async fn runs none of its body.
//!
//! In both languages calling a coroutine function only creates an object;
//! Python checks it with `inspect.iscoroutine` at run time, Rust with the type
//! (`F: Future`), when it compiles. A future never awaited is dropped without
//! having started: there is nothing to stop.
//!
//! Translates:
//! - *Python Async Programming: A Detailed Guide*, "Defining Coroutines"
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Coroutines" and, for `inspect.iscoroutine`,
//!   "Creating and Managing Coroutines"

use std::future::Future;
use std::time::Duration;

fn regular_function() -> &'static str {
    "Hello"
}

async fn coroutine_function() -> &'static str {
    "Hello"
}

async fn coroutine_example() -> &'static str {
    println!("Start coroutine");
    tokio::time::sleep(Duration::from_secs(1)).await;
    println!("End coroutine");
    "Result"
}

/// Rust's `inspect.iscoroutine`, checked by the compiler: a call with
/// anything but a future of a `&str` does not build.
fn is_coroutine<F: Future<Output = &'static str>>(_future: &F) -> bool {
    true
}

pub async fn run() {
    println!("{}", regular_function());

    let future = coroutine_function();
    println!(
        "iscoroutine(coroutine_function()): {}",
        is_coroutine(&future)
    );
    println!("{}", future.await);

    let future = coroutine_example();
    println!(
        "iscoroutine(coroutine_example()): {}; nothing printed yet",
        is_coroutine(&future)
    );
    println!("{}", future.await);

    // Dropped on purpose, this is silent; a call whose future is thrown away
    // at once (`coroutine_example();`) is a compiler warning, which
    // `basics/forgetting_await` shows.
    let never_awaited = coroutine_example();
    drop(never_awaited);
    println!("Dropped a future that was never awaited: its body never ran");
}
