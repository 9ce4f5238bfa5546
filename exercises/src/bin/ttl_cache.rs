//! The exercise `ttl_cache`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(ttl_cache = "19_ttl_cache.rs");
