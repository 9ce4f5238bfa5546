//! The exercise `chat_room`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(chat_room = "17_chat_room.rs");
