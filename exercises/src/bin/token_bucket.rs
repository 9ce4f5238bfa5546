//! The exercise `token_bucket`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(token_bucket = "32_token_bucket.rs");
