//! Exercise: try_join
//!
//! A page needs a user, their orders and their messages, fetched at the
//! same time. The orders service fails after half a second, and then there
//! is no page to show: stop at the first error instead of waiting for the
//! slow messages. `tokio::try_join!` runs fallible futures concurrently,
//! returns the first `Err` at once and drops (cancels) the others:
//!
//! ```text
//! 0.3s got the user
//! 0.5s page failed: orders: service unavailable
//! ```
//!
//! The example that shows how: `cargo run -p error-handling -- gather_errors`.

use std::time::Duration;

use tokio::time::sleep;

async fn fetch(what: &'static str, ms: u64, works: bool) -> Result<&'static str, String> {
    sleep(Duration::from_millis(ms)).await;
    if works {
        println!("got the {what}");
        Ok(what)
    } else {
        Err(format!("{what}: service unavailable"))
    }
}

pub async fn run() {
    // TODO: fetch the three concurrently, and stop at the first error.
    let page = async {
        let user = fetch("user", 300, true).await?;
        let orders = fetch("orders", 500, false).await?;
        let messages = fetch("messages", 2000, true).await?;
        Ok::<_, String>((user, orders, messages))
    }
    .await;
    match page {
        Ok(parts) => println!("page: {parts:?}"),
        Err(error) => println!("page failed: {error}"),
    }
}
