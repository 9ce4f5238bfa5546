//! Guards `cargo xtask`'s checks end to end, against the fixture section and the
//! golden files under `cmd/xtask/`: each case in `cmd/xtask/*.toml` is a
//! command line with the output and exit code it must give.

use xtask::workspace::{FIXTURE_SECTION, GOLDEN};

use crate::support;

#[test]
fn xtask_cases() {
    let fixture = support::fixture_section();
    let cases = trycmd::TestCases::new();
    cases
        .register_bin("xtask", support::binary("xtask"))
        .env(
            FIXTURE_SECTION,
            format!("tests={}", fixture.binary.display()),
        )
        .env(GOLDEN, "golden")
        .env("RUST_BACKTRACE", "0")
        .case("cmd/xtask/*.toml");
    if !runner::dump::AVAILABLE {
        cases.skip("cmd/xtask/dump_*.toml");
    }
}

/// A section whose example prints 20 MB (`cmd/xtask/floods/section.sh`):
/// xtask keeps a bounded amount of an example's output, and stops a run
/// that writes more.
#[test]
fn xtask_stops_an_example_that_prints_without_end() {
    let section =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("cmd/xtask/floods/section.sh");
    trycmd::TestCases::new()
        .register_bin("xtask", support::binary("xtask"))
        .env(FIXTURE_SECTION, format!("tests={}", section.display()))
        .env("RUST_BACKTRACE", "0")
        .case("cmd/xtask/floods/*.toml");
}
