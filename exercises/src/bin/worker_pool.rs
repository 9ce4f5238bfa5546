//! The exercise `worker_pool`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(worker_pool = "27_worker_pool.rs");
