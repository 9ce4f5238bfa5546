//! The exercise `watch_config`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(watch_config = "16_watch_config.rs");
