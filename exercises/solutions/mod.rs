//! The reference solutions, compiled in place of the learner's files with
//! the `solutions` feature (`cargo run -p exercises -- verify`): the same
//! modules as `src/exercises/mod.rs`, from the same list, each from its file
//! here.

exercises::with_catalog!(track);
