//! The exercise `deadlock`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(deadlock = "38_deadlock.rs");
