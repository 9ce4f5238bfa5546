//! The exercise `futurelock`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    futurelock = "../exercises/40_futurelock.rs", "../../.solutions/40_futurelock.rs"
}
