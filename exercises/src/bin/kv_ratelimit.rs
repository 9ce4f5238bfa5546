//! The exercise `kv_ratelimit`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    kv_ratelimit = "46_kv_ratelimit.rs"
}
