//! The exercise `three_downloads`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    three_downloads = "../exercises/03_three_downloads.rs", "../../.solutions/03_three_downloads.rs"
}
