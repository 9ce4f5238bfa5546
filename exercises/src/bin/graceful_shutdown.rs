//! The exercise `graceful_shutdown`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(graceful_shutdown = "13_graceful_shutdown.rs");
