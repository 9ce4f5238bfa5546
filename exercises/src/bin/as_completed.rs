//! The exercise `as_completed`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(as_completed = "06_as_completed.rs");
