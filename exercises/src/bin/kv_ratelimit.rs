//! The exercise `kv_ratelimit`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    kv_ratelimit = "45_kv_ratelimit.rs"
}
