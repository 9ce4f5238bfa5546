//! The exercise `bounded_channel`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    bounded_channel = "../exercises/07_bounded_channel.rs", "../../.solutions/07_bounded_channel.rs"
}
