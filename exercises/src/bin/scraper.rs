//! The exercise `scraper`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(scraper = "20_scraper.rs");
