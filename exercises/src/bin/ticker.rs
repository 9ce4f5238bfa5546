//! The exercise `ticker`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    ticker = "../exercises/21_ticker.rs", "../../.solutions/21_ticker.rs"
}
