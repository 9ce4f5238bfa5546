//! The exercise `shared_counter`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(shared_counter = "14_shared_counter.rs");
