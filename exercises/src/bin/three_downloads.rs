//! The exercise `three_downloads`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(three_downloads = "03_three_downloads.rs");
