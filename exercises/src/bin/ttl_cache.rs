//! The exercise `ttl_cache`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    ttl_cache = "19_ttl_cache.rs"
}
