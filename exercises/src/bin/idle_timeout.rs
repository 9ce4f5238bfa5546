//! The exercise `idle_timeout`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(idle_timeout = "23_idle_timeout.rs");
