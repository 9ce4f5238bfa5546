//! The exercise `load_shedding`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(load_shedding = "26_load_shedding.rs");
