use std::time::Duration;

use futures::stream::{self, StreamExt};
use tokio::time::sleep;

async fn fetch(path: &str, ms: u64, links: usize) -> (String, usize) {
    sleep(Duration::from_millis(ms)).await;
    (path.to_owned(), links)
}

pub async fn run() {
    let pages = [
        ("/a", 600, 1),
        ("/b", 400, 2),
        ("/c", 500, 3),
        ("/d", 500, 4),
        ("/e", 500, 5),
        ("/f", 700, 6),
    ];
    let mut total = 0;
    let mut fetched = stream::iter(pages)
        .map(|(path, ms, links)| fetch(path, ms, links))
        .buffer_unordered(3);
    while let Some((path, links)) = fetched.next().await {
        println!("{path}: {links} links");
        total += links;
    }
    println!("scraped {total} links");
}
