//! The exercise `deadlock`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    deadlock = "38_deadlock.rs"
}
