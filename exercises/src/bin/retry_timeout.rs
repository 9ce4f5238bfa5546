//! The exercise `retry_timeout`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    retry_timeout = "../exercises/30_retry_timeout.rs", "../../.solutions/30_retry_timeout.rs"
}
