//! The exercise `supervisor`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(supervisor = "35_supervisor.rs");
