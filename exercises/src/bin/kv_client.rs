//! The exercise `kv_client`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    kv_client = "../exercises/41_kv_client.rs", "../../solutions/41_kv_client.rs"
}
