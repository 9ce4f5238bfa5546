//! A future left unused under `#![deny(unused_must_use)]`.
//!
//! Calling an async fn only creates a future; without `.await` it never
//! runs. Futures are `#[must_use]`, so this is a warning by default, and an
//! error once the lint is denied, as here or with
//! `[lints.rust] unused_must_use = "deny"` in `Cargo.toml`. Python notices
//! only at run time, if at all: "coroutine 'save' was never awaited".

#![deny(unused_must_use)]

async fn save(record: &str) {
    println!("saved {record}");
}

#[tokio::main]
async fn main() {
    save("user 42");
}
