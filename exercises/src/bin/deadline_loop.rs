//! The exercise `deadline_loop`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(deadline_loop = "28_deadline_loop.rs");
