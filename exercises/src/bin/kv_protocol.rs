//! The exercise `kv_protocol`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(kv_protocol = "41_kv_protocol.rs");
