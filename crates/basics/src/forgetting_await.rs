//! A forgotten `.await` is a compiler warning, not a silent bug.
//!
//! In Python, `result = fetch_data()` binds a coroutine object and nothing
//! fails there. Python's own hint is a
//! `RuntimeWarning: coroutine 'fetch_data' was never awaited`, printed when
//! the unawaited coroutine object is destroyed, which can be far from the
//! bug.
//!
//! Rust's futures are `#[must_use]`, so the compiler flags the line itself:
//!
//! ```text
//! warning: unused implementer of `Future` that must be used
//!    |     fetch_data();
//!    = note: futures do nothing unless you `.await` or poll them
//! ```
//!
//! Binding the future to a variable silences that warning, but then the types
//! catch the mistake: a future is not a `&str`, so using it as data fails to
//! compile. Python's other two mistakes are compile errors too: `.await` on a
//! non-future (`time.sleep(1)`) is "`()` is not a future", and `.await`
//! outside an `async fn` is "only allowed inside `async` functions and
//! blocks".
//!
//! See also `pitfalls/forgotten_await` (`#[must_use]` on your own async fns)
//! and the compile-fail case `crates/pitfalls/compile-fail/unused_future.rs`,
//! where `#![deny(unused_must_use)]` turns this warning into an error.
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
