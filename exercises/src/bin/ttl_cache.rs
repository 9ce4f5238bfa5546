//! The exercise `ttl_cache`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    ttl_cache = "../exercises/19_ttl_cache.rs", "../../.solutions/19_ttl_cache.rs"
}
