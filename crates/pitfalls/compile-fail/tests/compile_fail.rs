//! The compile-fail examples beside this package's manifest: programs that
//! must not compile, each with the compiler's error committed beside it
//! (`<case>.stderr`) as the lesson. `trybuild` checks that each still fails,
//! with that error.
//!
//! After a deliberate change (or a new Rust version that words an error
//! differently), regenerate the `.stderr` files with
//! `TRYBUILD=overwrite cargo test -p compile-fail` and read them.

#[test]
fn compile_fail_examples() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("*.rs");
}
