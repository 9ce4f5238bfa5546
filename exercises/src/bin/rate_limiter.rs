//! The exercise `rate_limiter`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(rate_limiter = "18_rate_limiter.rs");
