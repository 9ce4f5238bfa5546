//! Empty: cargo resolves a crate's build-dependencies only when it has a
//! build script (see Cargo.toml).

fn main() {}
