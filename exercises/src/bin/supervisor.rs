//! The exercise `supervisor`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    supervisor = "../exercises/35_supervisor.rs", "../../.solutions/35_supervisor.rs"
}
