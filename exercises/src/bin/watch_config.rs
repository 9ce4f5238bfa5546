//! The exercise `watch_config`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    watch_config = "../exercises/16_watch_config.rs", "../../.solutions/16_watch_config.rs"
}
