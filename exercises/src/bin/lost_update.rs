//! The exercise `lost_update`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    lost_update = "../exercises/39_lost_update.rs", "../../.solutions/39_lost_update.rs"
}
