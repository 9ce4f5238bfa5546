//! The exercise `kv_client`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(kv_client = "44_kv_client.rs");
