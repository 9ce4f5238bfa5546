//! The exercise `worker_pool`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    worker_pool = "../exercises/27_worker_pool.rs", "../../.solutions/27_worker_pool.rs"
}
