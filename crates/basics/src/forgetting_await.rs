//! A forgotten `.await` is a compiler warning, not a silent bug.
//!
//! In Python, `result = fetch_data()` binds a coroutine and fails nowhere; the
//! hint, "coroutine ... was never awaited", comes when it is destroyed. Rust's
//! futures are `#[must_use]`: the compiler flags the line, and a future used
//! as data, or `.await` on a non-future or outside an `async fn`, won't build.
//!
//! Translates:
//! - *Python Async Programming: A Detailed Guide*,
//!   "Common Mistake: Forgetting `await`"
//! - *Complete Guide to Async IO and Asynchronous Programming in Python*,
//!   "Await Rules" (the mistakes half)

use std::time::Duration;

async fn fetch_data() -> &'static str {
    println!("fetch_data is running");
    tokio::time::sleep(Duration::from_secs(1)).await;
    "data"
}

pub async fn run() {
    // The mistake, kept on purpose: without this `allow`, the line below is a
    // compiler warning, and under `#![deny(unused_must_use)]` an error.
    #[allow(unused_must_use)]
    {
        fetch_data();
    }
    println!("Called fetch_data() without .await: nothing ran");

    let result = fetch_data().await;
    println!("{result}");
}
