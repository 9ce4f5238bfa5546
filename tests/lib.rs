//! Tests that span the workspace; see the test targets in `Cargo.toml`.
//!
//! - `golden`: every example of every section, run in its own process on the
//!   virtual clock and compared with `golden/<section>/<example>.stdout`, by
//!   the same code as `cargo xtask check-all`.
//! - `runner_cli`: a section binary refuses bad command lines with exit code 2.
//! - `xtask_check`: the check and bless logic against stand-in section binaries
//!   that fail, panic, hang or print the wrong thing.
//! - `seed_map`: every row of `docs/seed-map.tsv` names a real example.
