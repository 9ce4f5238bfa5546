//! `.await` suspends the caller until the awaited future finishes.
//!
//! An `async fn` is Rust's coroutine function. Awaiting it runs its body
//! inside the caller: `run` pauses at the `.await`, the runtime is free to run
//! other tasks during the sleep, and `run` resumes with the returned value.
//! Python does the same. The difference is underneath. CPython allocates a
//! frame on the heap for every coroutine it creates. Rust compiles each
//! `async fn` into a state machine, an ordinary value that holds whatever
//! lives across its `.await`s, and the state machine of an awaited `async fn`
//! is stored inside its caller's. A chain of awaits therefore allocates
//! nothing, but each future must have room for the largest one it awaits, so
//! the outermost future grows with every level of nesting, and is moved or
//! spawned at that size. An `async fn` that awaits itself would have to
//! contain itself, so recursion does not compile until the recursive call is
//! boxed, as in `Box::pin(walk(depth - 1)).await`, which puts each level on
//! the heap, where Python puts every one. Boxing is also how to keep one very
//! large future from being copied around.
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
