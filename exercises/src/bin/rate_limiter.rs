//! The exercise `rate_limiter`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    rate_limiter = "../exercises/18_rate_limiter.rs", "../../.solutions/18_rate_limiter.rs"
}
