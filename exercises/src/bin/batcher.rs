//! The exercise `batcher`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    batcher = "33_batcher.rs"
}
