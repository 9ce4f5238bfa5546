//! The exercise `bounded_channel`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    bounded_channel = "07_bounded_channel.rs"
}
