//! Every binary's command line, as the pages of `cmd/<binary>/*.md` show
//! it: `console` blocks that trycmd runs, each a command with what it
//! prints (stdout and stderr as a terminal shows them) and its exit code.
//! A page's `<page>.in/` is where its commands run, and `<page>.out/` what
//! they must leave there. `TRYCMD=overwrite` writes what they printed.
//! A page's commands run one after another, and pages side by side: a
//! command that waits out a `--timeout` goes on a short page, so that no
//! page holds up the test binary (each is 10 to 15 s).

use std::path::{Path, PathBuf};
use std::time::Duration;

use xtask::workspace::{FIXTURE_SECTION, GOLDEN};

use crate::support;

/// `cargo xtask`, against the fixture section and the golden files of
/// `cmd/xtask/golden/`, which no case may change. The pages that write
/// golden files, or read wrong ones, have their own in `<page>.in/golden`;
/// `floods` has a section of its own, `floods.in/section.sh`.
#[test]
fn xtask() {
    const OWN_GOLDEN_FILES: [&str; 3] = ["bless", "snapshots", "broken-golden"];
    let fixture = support::fixture_section();
    let fixture = format!("{}={}", fixture.name, fixture.binary.display());
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("cmd/xtask/golden");
    let before = contents(&golden);
    let cases = |section: &str, golden: &Path| {
        let cases = trycmd::TestCases::new();
        cases
            .register_bin("xtask", support::binary("xtask"))
            .env(FIXTURE_SECTION, section)
            .env(GOLDEN, golden.display().to_string())
            .env("RUST_BACKTRACE", "0");
        if !runner::dump::AVAILABLE {
            cases
                .skip("cmd/xtask/dump.md")
                .skip("cmd/xtask/broken-golden.md");
        }
        cases
    };
    let shared = cases(&fixture, &golden);
    shared.case("cmd/xtask/*.md").skip("cmd/xtask/floods.md");
    let own = cases(&fixture, Path::new("golden"));
    for page in OWN_GOLDEN_FILES {
        shared.skip(format!("cmd/xtask/{page}.md"));
        own.case(format!("cmd/xtask/{page}.md"));
    }
    shared.run();
    own.run();
    cases("fixture-section=./section.sh", &golden)
        .case("cmd/xtask/floods.md")
        .run();
    assert_eq!(
        contents(&golden),
        before,
        "a case wrote into {}",
        golden.display()
    );
}

/// A section binary's, through the fixture section and `basics`.
#[test]
fn runner() {
    let cases = section_cases(support::built_section("basics").binary);
    cases
        .case("cmd/runner/*.md")
        .skip("cmd/runner/without-cfg.md");
    if !runner::dump::AVAILABLE {
        cases
            .skip("cmd/runner/dump*.md")
            .skip("cmd/runner/blocked-*.md");
    }
}

/// The cases a section binary built without `--cfg tokio_unstable` runs
/// (`runner_cli.rs` builds it): `basics` is that binary.
pub fn section_cases(basics: PathBuf) -> trycmd::TestCases {
    let cases = trycmd::TestCases::new();
    cases
        .register_bin("fixture-section", support::fixture_section().binary)
        .register_bin("basics", basics)
        .env("RUST_BACKTRACE", "0")
        .timeout(Duration::from_secs(30));
    cases
}

#[test]
fn httpbin() {
    trycmd::TestCases::new()
        .register_bin("httpbin", support::binary("httpbin"))
        .env("RUST_BACKTRACE", "0")
        .timeout(Duration::from_secs(30))
        .case("cmd/httpbin/*.md");
}

/// The exercise checker's. It remembers hints beside its executable: a
/// link of it in a directory of its own leaves the learner's alone (a link:
/// a copy just written can't be run while another test's child still holds
/// it open).
#[test]
fn exercises() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cmd-exercises");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a directory for the checker");
    let checker = dir.join("exercises");
    std::fs::hard_link(support::binary("exercises"), &checker).expect("a link to the checker");
    trycmd::TestCases::new()
        .register_bin("exercises", checker)
        .case("cmd/exercises/*.md");
}

/// Every file under `dir`, with its contents.
fn contents(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.expect("a readable directory");
        if entry.file_type().is_file() {
            let text = std::fs::read(entry.path()).expect("a readable file");
            files.push((entry.path().to_owned(), text));
        }
    }
    files
}
