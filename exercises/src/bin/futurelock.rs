//! The exercise `futurelock`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(futurelock = "40_futurelock.rs");
