//! The exercise `cancel_cleanup`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(cancel_cleanup = "09_cancel_cleanup.rs");
