//! The exercise `try_join`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(try_join = "22_try_join.rs");
