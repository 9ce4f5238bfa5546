//! `.await` suspends the caller until the awaited future finishes.
//!
//! As in Python, awaiting an `async fn` runs its body inside the caller, and the
//! runtime runs other tasks while it waits. Underneath, CPython allocates a
//! frame for every coroutine; Rust compiles each `async fn` into a state machine
//! stored inside its caller's, so a chain of awaits allocates nothing, and a
//! recursive `async fn` must box its call (`Box::pin(walk(depth - 1)).await`).
//!
//! Translates:
//! - *Python Async Programming: A Detailed Guide*, "Coroutine Characteristics"

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
