//! The exercise `supervisor`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    supervisor = "35_supervisor.rs"
}
