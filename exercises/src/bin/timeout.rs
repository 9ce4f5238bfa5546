//! The exercise `timeout`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(timeout = "04_timeout.rs");
