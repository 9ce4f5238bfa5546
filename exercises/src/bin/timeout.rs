//! The exercise `timeout`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    timeout = "04_timeout.rs"
}
