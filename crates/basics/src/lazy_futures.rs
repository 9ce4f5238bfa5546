//! Futures are lazy: calling an async fn runs none of its body.
//!
//! Python and Rust agree that calling a coroutine function only creates an
//! object. Python prints it as `<coroutine object ...>` and checks it with
//! `inspect.iscoroutine` at run time; in Rust the check is the type system: a
//! function that needs a future says `F: Future`, and passing anything else
//! does not compile. `is_coroutine` below is that check: it accepts only a
//! future whose `Output` is a `&str`, so by the time the program runs, the
//! compiler has already answered, and `true` is all that is left to print.
//!
//! The other difference is what happens to a future nobody awaits. Python
//! warns at run time, "coroutine ... was never awaited". Rust warns at compile
//! time (see `forgetting_await`), and dropping a future that never ran is
//! simply nothing: it had not started, so there is nothing to stop.
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

    let never_awaited = coroutine_example();
    drop(never_awaited);
    println!("Dropped a future that was never awaited: its body never ran");
}
