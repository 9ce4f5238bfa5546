//! A learner's `hello_sleep`: `tokio::time::sleep(one_second);` drew the
//! compiler's warning, whose help said to write `let _ = ...`; followed, the
//! warning is gone and the future is dropped unawaited. The checker must name
//! it (`verify`).

use std::time::Duration;

pub async fn run() {
    println!("Hello");
    let one_second = Duration::from_secs(1);
    let _ = tokio::time::sleep(one_second);
    println!("World");
}
