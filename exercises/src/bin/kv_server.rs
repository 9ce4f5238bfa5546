//! The exercise `kv_server`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    kv_server = "../exercises/42_kv_server.rs", "../../.solutions/42_kv_server.rs"
}
