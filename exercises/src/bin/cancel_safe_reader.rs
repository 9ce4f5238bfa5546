//! The exercise `cancel_safe_reader`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(cancel_safe_reader = "37_cancel_safe_reader.rs");
