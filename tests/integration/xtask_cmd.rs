//! `cargo xtask`'s checks end to end, against the fixture section and the
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
