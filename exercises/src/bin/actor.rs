//! The exercise `actor`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    actor = "../exercises/15_actor.rs", "../../.solutions/15_actor.rs"
}
