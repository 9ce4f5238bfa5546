//! The exercise `scraper`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    scraper = "../exercises/20_scraper.rs", "../../.solutions/20_scraper.rs"
}
