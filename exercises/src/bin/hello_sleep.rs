//! The exercise `hello_sleep`, built and run by the checker (`cargo run --bin exercises`).

exercises::exercise!(hello_sleep = "01_hello_sleep.rs");
