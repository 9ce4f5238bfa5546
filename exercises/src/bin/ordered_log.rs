//! The exercise `ordered_log`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(ordered_log = "29_ordered_log.rs");
