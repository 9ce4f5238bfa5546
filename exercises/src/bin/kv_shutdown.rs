//! The exercise `kv_shutdown`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    kv_shutdown = "../exercises/43_kv_shutdown.rs", "../../.solutions/43_kv_shutdown.rs"
}
