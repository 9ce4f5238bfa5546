//! The exercise `kv_client`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    kv_client = "43_kv_client.rs"
}
