//! The exercise `spawn_join`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(spawn_join = "02_spawn_join.rs");
