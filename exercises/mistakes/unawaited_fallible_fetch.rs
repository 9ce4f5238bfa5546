//! A learner's `try_join` that fetches the user first, before the other
//! two, but writes `fetch(..)` without `.await`: rustc warns of an unused
//! future, and the user is never fetched. `fetch` returns a `Result`, so the
//! checker, suggesting the `.await`, must say to handle what it gives back
//! rather than let it go (`verify`).

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
    fetch("user", 300, true);
    let page = tokio::try_join!(fetch("orders", 200, false), fetch("messages", 1700, true));
    match page {
        Ok(parts) => println!("page: {parts:?}"),
        Err(error) => println!("page failed: {error}"),
    }
}
