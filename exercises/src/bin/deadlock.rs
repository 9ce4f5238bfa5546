//! The exercise `deadlock`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    deadlock = "../exercises/38_deadlock.rs", "../../.solutions/38_deadlock.rs"
}
