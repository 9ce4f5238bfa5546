//! The exercise `kv_protocol`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    kv_protocol = "../exercises/41_kv_protocol.rs", "../../.solutions/41_kv_protocol.rs"
}
