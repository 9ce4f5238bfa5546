//! The exercise `semaphore_limit`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    semaphore_limit = "08_semaphore_limit.rs"
}
