//! The exercise `semaphore_limit`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    semaphore_limit = "../exercises/08_semaphore_limit.rs", "../../.solutions/08_semaphore_limit.rs"
}
