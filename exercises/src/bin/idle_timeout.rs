//! The exercise `idle_timeout`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    idle_timeout = "../exercises/23_idle_timeout.rs", "../../.solutions/23_idle_timeout.rs"
}
