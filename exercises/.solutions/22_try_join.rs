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
    let page = tokio::try_join!(
        fetch("user", 300, true),
        fetch("orders", 500, false),
        fetch("messages", 2000, true),
    );
    match page {
        Ok(parts) => println!("page: {parts:?}"),
        Err(error) => println!("page failed: {error}"),
    }
}
