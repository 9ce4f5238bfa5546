//! The exercise `task_group`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(task_group = "36_task_group.rs");
