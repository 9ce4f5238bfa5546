//! The exercises, one file each. Edit the files; the checker
//! (`cargo run -p exercises`) tells you which one is next.
//!
//! The list of exercises is `exercises::with_catalog!` in `src/lib.rs`; with
//! the `solutions` feature (the CI check only), the harness compiles
//! `solutions/mod.rs` instead, which makes the same modules from
//! `exercises/solutions/`.

exercises::with_catalog!(track);
