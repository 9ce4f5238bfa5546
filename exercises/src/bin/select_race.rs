//! The exercise `select_race`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(select_race = "05_select_race.rs");
