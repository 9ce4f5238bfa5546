//! The exercise `no_blocking`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(no_blocking = "12_no_blocking.rs");
