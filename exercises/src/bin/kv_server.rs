//! The exercise `kv_server`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(kv_server = "42_kv_server.rs");
