//! The exercise `bounded_channel`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(bounded_channel = "07_bounded_channel.rs");
