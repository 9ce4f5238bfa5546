//! The exercise `kv_ratelimit`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(kv_ratelimit = "46_kv_ratelimit.rs");
