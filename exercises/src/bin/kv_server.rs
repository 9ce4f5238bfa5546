//! The exercise `kv_server`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    kv_server = "../exercises/41_kv_server.rs", "../../solutions/41_kv_server.rs"
}
