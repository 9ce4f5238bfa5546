//! Exercise: scraper
//!
//! *Python Async/Await*, "Exercises" 1: "Create an async web scraper that
//! fetches multiple pages concurrently". Fetch the six pages at most three
//! at a time, and print each page as it arrives. `futures`' `StreamExt`
//! has `buffer_unordered(n)`: it runs up to `n` of a stream's futures at
//! once and yields their outputs in the order they finish:
//!
//! ```text
//! 0.4s /b: 2 links
//! 0.5s /c: 3 links
//! 0.6s /a: 1 links
//! 0.9s /d: 4 links
//! 1.0s /e: 5 links
//! 1.3s /f: 6 links
//! 1.3s scraped 21 links
//! ```
//!
//! The example that shows how: `cargo run -p real-world -- scrape_pages`.

use std::time::Duration;

use futures::stream::{self, StreamExt};
use tokio::time::sleep;

/// Pretends to fetch `path`: it takes the time given and finds `links`.
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
    // TODO: fetch them concurrently, three at a time, instead of in turn.
    for (path, ms, links) in pages {
        let (path, links) = fetch(path, ms, links).await;
        println!("{path}: {links} links");
        total += links;
    }
    println!("scraped {total} links");
}
