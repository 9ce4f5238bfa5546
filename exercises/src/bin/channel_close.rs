//! The exercise `channel_close`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    channel_close = "../exercises/26_channel_close.rs", "../../solutions/26_channel_close.rs"
}
