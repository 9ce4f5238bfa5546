//! The exercise `retry_backoff`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(retry_backoff = "11_retry_backoff.rs");
