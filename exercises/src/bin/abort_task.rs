//! The exercise `abort_task`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(abort_task = "25_abort_task.rs");
