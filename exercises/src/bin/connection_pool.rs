//! The exercise `connection_pool`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(connection_pool = "24_connection_pool.rs");
