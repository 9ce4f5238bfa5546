//! `.await` suspends the caller until the awaited future finishes.
//!
//! Translates:
//! - *Python Async Programming: A Detailed Guide*, "Coroutine Characteristics"
//!
//! An `async fn` is Rust's coroutine function. Awaiting it runs its body
//! inside the caller: `run` pauses at the `.await`, the runtime is free to run
//! other tasks during the sleep, and `run` resumes with the returned value.
//! Python does the same. The difference is underneath: Rust compiles each
//! `async fn` into a state machine, an ordinary value with no heap allocation
//! and no interpreter frame. That is why awaiting is cheap enough to nest deeply.

use std::time::Duration;

async fn simple_coroutine() -> &'static str {
    println!("Coroutine started");
    tokio::time::sleep(Duration::from_secs(1)).await;
    println!("Coroutine resumed");
    "Done"
}

pub async fn run() {
    println!("Before calling coroutine");
    let result = simple_coroutine().await;
    println!("Result: {result}");
    println!("After coroutine");
}
