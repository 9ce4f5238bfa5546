//! The exercise `batcher`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(batcher = "33_batcher.rs");
