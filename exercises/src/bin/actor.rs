//! The exercise `actor`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(actor = "15_actor.rs");
