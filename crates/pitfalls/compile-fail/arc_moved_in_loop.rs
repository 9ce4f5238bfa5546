//! An `Arc` moved into a task spawned in a loop.
//!
//! `async move` moves every variable the task uses into it, so the loop's
//! first pass moves `counter` into the first task, and the second has no
//! `counter` left to move. The fix: clone the `Arc` before the `async move`,
//! as the loop's first line, `let counter = Arc::clone(&counter);`. The
//! clone is another handle to the same `Mutex`, not a copy of the count, and
//! shadowing keeps the task's code as it was.

use std::sync::{Arc, Mutex};

#[tokio::main]
async fn main() {
    let counter = Arc::new(Mutex::new(0));
    let mut tasks = Vec::new();
    for _ in 0..3 {
        tasks.push(tokio::spawn(async move {
            *counter.lock().unwrap() += 1;
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
}
