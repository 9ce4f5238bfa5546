//! The exercise `cancel_safe_reader`, built and run by the checker (`cargo run -p exercises`).

exercises::exercise! {
    cancel_safe_reader = "../exercises/37_cancel_safe_reader.rs", "../../.solutions/37_cancel_safe_reader.rs"
}
