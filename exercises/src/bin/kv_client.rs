//! The exercise `kv_client`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    kv_client = "../exercises/43_kv_client.rs", "../../solutions/43_kv_client.rs"
}
