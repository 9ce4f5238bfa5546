//! The exercise `ticker`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(ticker = "21_ticker.rs");
