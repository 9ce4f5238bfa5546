//! The exercise `semaphore_limit`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(semaphore_limit = "08_semaphore_limit.rs");
