//! The exercise `deadline_loop`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    deadline_loop = "../exercises/28_deadline_loop.rs", "../../.solutions/28_deadline_loop.rs"
}
