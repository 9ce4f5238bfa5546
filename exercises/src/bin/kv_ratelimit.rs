//! The exercise `kv_ratelimit`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    kv_ratelimit = "../exercises/46_kv_ratelimit.rs", "../../.solutions/46_kv_ratelimit.rs"
}
