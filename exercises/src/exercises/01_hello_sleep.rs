//! Exercise: hello_sleep
//!
//! Print `Hello`, wait one second without blocking the thread, then print
//! `World`:
//!
//! ```text
//! 0.0s Hello
//! 1.0s World
//! ```
//!
//! The example that shows how: `cargo run -p basics -- hello_world`.

use std::time::Duration;

pub async fn run() {
    println!("Hello");
    // TODO: wait one second (`tokio::time::sleep`), then print `World`.
    let one_second = Duration::from_secs(1);
    todo!()
}
