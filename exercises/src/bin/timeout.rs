//! The exercise `timeout`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    timeout = "../exercises/04_timeout.rs", "../../.solutions/04_timeout.rs"
}
