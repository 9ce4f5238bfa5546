//! The exercise `kv_expiry`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(kv_expiry = "45_kv_expiry.rs");
