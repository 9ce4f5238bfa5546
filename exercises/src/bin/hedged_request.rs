//! The exercise `hedged_request`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(hedged_request = "34_hedged_request.rs");
