//! The exercise `batcher`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    batcher = "../exercises/33_batcher.rs", "../../.solutions/33_batcher.rs"
}
