//! The exercise `retry_timeout`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(retry_timeout = "30_retry_timeout.rs");
