//! The exercise `lost_update`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(lost_update = "39_lost_update.rs");
