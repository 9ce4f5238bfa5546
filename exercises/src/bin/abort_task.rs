//! The exercise `abort_task`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    abort_task = "../exercises/25_abort_task.rs", "../../.solutions/25_abort_task.rs"
}
