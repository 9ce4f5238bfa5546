//! The exercise `kv_server`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    kv_server = "../exercises/39_kv_server.rs", "../../solutions/39_kv_server.rs"
}
