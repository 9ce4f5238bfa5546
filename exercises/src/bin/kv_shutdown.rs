//! The exercise `kv_shutdown`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(kv_shutdown = "43_kv_shutdown.rs");
