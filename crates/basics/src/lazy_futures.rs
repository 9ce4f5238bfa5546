//! Futures are lazy: calling an async fn runs none of its body.
//!
//! Translates:
//! - *Python Async Programming: A Detailed Guide*, "Defining Coroutines"
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Coroutines" and, for `inspect.iscoroutine`,
//!   "Creating and Managing Coroutines"
//!
//! Python and Rust agree that calling a coroutine function only creates an
//! object. Python prints it as `<coroutine object ...>` and checks it with
//! `inspect.iscoroutine` at run time; in Rust the check is the type system: a
//! function that needs a future says `F: Future`, and passing anything else
//! does not compile. The sketch below prints what the compiler knows, the
//! future's `Output` type, instead of an address. (`type_name` is meant for
//! diagnostics: its exact text is not guaranteed to stay the same between
//! compiler versions.)
//!
//! The other difference is what happens to a future nobody awaits. Python
//! warns at run time, "coroutine ... was never awaited". Rust warns at compile
//! time (see `forgetting_await`), and dropping a future that never ran is
//! simply nothing: it had not started, so there is nothing to stop.

use std::any::type_name;
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

/// Only futures are accepted here; this is Rust's `inspect.iscoroutine`.
fn describe<F: Future>(_future: &F) -> String {
    format!("a future with Output = {}", type_name::<F::Output>())
}

pub async fn run() {
    println!("{}", regular_function());

    let future = coroutine_function();
    println!("coroutine_function() returned {}", describe(&future));
    println!("{}", future.await);

    let future = coroutine_example();
    println!(
        "coroutine_example() created {}; nothing printed yet",
        describe(&future)
    );
    println!("{}", future.await);

    let never_awaited = coroutine_example();
    drop(never_awaited);
    println!("Dropped a future that was never awaited: its body never ran");
}
