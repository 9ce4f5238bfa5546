//! The golden check and bless, end to end through xtask's own code, against
//! a stand-in section binary whose examples pass, print the wrong thing,
//! fail, panic and hang, and against the real `basics` binary with a golden
//! file that has been tampered with.
#![cfg(unix)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use tempfile::TempDir;
use xtask::Clock;
use xtask::bless::{Blessed, bless};
use xtask::check::{self, Case, Report, Verdict};
use xtask::workspace::{Section, Workspace};

/// Behaves like a section binary: `--list`, then `--clock <clock> <example>`.
const STAND_IN: &str = r#"#!/bin/sh
if [ "$1" = "--list" ]; then
    echo "good    Prints hello"
    echo "wrong   Prints something else"
    echo "fails   Returns an error"
    echo "panics  Panics"
    echo "hangs   Never finishes"
    exit 0
fi
case "$3" in
    good) echo hello ;;
    wrong) echo goodbye ;;
    fails) echo partial; echo "error: example stand-in/fails failed: boom" >&2; exit 1 ;;
    panics) echo partial; echo "thread 'main' panicked at src/panics.rs:1:1" >&2; exit 101 ;;
    hangs) echo started; exec sleep 30 ;;
esac
"#;

const QUICK: Duration = Duration::from_secs(30);

/// A temporary workspace with the stand-in section, a golden file saying
/// `hello` for each of its examples, and one golden file with no example.
struct Fixture {
    _dir: TempDir,
    workspace: Workspace,
    section: Section,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let binary = dir.path().join("stand-in");
        fs::write(&binary, STAND_IN).expect("write the stand-in");
        fs::set_permissions(&binary, fs::Permissions::from_mode(0o755))
            .expect("make it executable");
        let workspace = Workspace::at(dir.path());
        let section = Section {
            name: "stand-in".to_owned(),
            binary,
        };
        let fixture = Self {
            _dir: dir,
            workspace,
            section,
        };
        for example in ["good", "wrong", "fails", "panics", "hangs", "removed"] {
            fixture.write_golden(example, "hello\n");
        }
        fixture
    }

    fn golden(&self, example: &str) -> std::path::PathBuf {
        self.workspace
            .golden_root()
            .join("stand-in")
            .join(format!("{example}.stdout"))
    }

    fn write_golden(&self, example: &str, text: &str) {
        self.write_golden_for("stand-in", example, text);
    }

    fn write_golden_for(&self, section: &str, example: &str, text: &str) {
        let path = xtask::golden::path(&self.workspace.golden_root(), section, example);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn check(&self, example: &str, timeout: Duration) -> Report {
        let case = Case {
            section: self.section.clone(),
            example: example.to_owned(),
        };
        check::check(case, Clock::Virtual, timeout, &self.workspace.golden_root())
    }
}

#[test]
fn the_plan_lists_every_example_and_every_orphaned_golden_file() {
    let fixture = Fixture::new();
    let golden_root = fixture.workspace.golden_root();
    let sections = std::slice::from_ref(&fixture.section);
    let all = ["stand-in".to_owned()];
    let plan = check::plan(sections, &all, &golden_root, None).unwrap();
    let ids: Vec<String> = plan.cases.iter().map(Case::id).collect();
    let expected =
        ["good", "wrong", "fails", "panics", "hangs"].map(|name| format!("stand-in/{name}"));
    assert_eq!(ids, expected);
    assert_eq!(plan.orphans, [fixture.golden("removed")]);
    let message = check::orphan_details(&plan.orphans[0], &golden_root);
    let expected = "tests/golden/stand-in/removed.stdout: golden file without an example";
    assert!(message.contains(expected), "{message}");

    let filtered = check::plan(sections, &all, &golden_root, Some("/wr")).unwrap();
    assert_eq!(filtered.cases.len(), 1);
    assert!(filtered.orphans.is_empty());

    // The golden files of a section that exists but was not built cannot be
    // judged; a section whose crate is gone has nothing but orphans.
    fixture.write_golden_for("unbuilt", "anything", "x\n");
    fixture.write_golden_for("deleted", "anything", "x\n");
    let all = ["stand-in".to_owned(), "unbuilt".to_owned()];
    let plan = check::plan(sections, &all, &golden_root, None).unwrap();
    let deleted = golden_root.join("deleted").join("anything.stdout");
    assert_eq!(plan.orphans, [deleted, fixture.golden("removed")]);
}

#[test]
fn matching_output_passes() {
    let report = Fixture::new().check("good", QUICK);
    assert!(report.passed(), "{}", report.details());
}

#[test]
fn different_output_fails_with_a_diff_and_a_rerun_line() {
    let report = Fixture::new().check("wrong", QUICK);
    assert!(
        matches!(report.verdict, Verdict::Mismatch { .. }),
        "{:?}",
        report.verdict
    );
    let details = report.details();
    assert!(
        details.contains("--- tests/golden/stand-in/wrong.stdout\n+++ actual output\n"),
        "{details}"
    );
    assert!(details.contains("\n-hello\n+goodbye\n"), "{details}");
    assert!(
        details.contains("re-run: cargo run -q -p stand-in -- --clock virtual wrong"),
        "{details}"
    );
    assert!(
        details.contains("bless:  cargo xtask bless stand-in/wrong"),
        "{details}"
    );
}

#[test]
fn a_missing_golden_file_fails() {
    let fixture = Fixture::new();
    fs::remove_file(fixture.golden("good")).unwrap();
    let report = fixture.check("good", QUICK);
    assert!(
        matches!(report.verdict, Verdict::MissingGolden),
        "{:?}",
        report.verdict
    );
    assert!(
        report
            .summary()
            .contains("no golden file tests/golden/stand-in/good.stdout"),
        "{}",
        report.summary()
    );
}

#[test]
fn a_non_zero_exit_fails_and_shows_stderr() {
    let report = Fixture::new().check("fails", QUICK);
    assert!(
        matches!(report.verdict, Verdict::Exited { code: 1 }),
        "{:?}",
        report.verdict
    );
    let details = report.details();
    assert!(
        details.contains("FAIL stand-in/fails: exited with code 1"),
        "{details}"
    );
    assert!(
        details.contains("error: example stand-in/fails failed: boom"),
        "{details}"
    );
}

#[test]
fn a_panic_is_reported_as_a_panic() {
    let report = Fixture::new().check("panics", QUICK);
    assert!(
        matches!(report.verdict, Verdict::Panicked),
        "{:?}",
        report.verdict
    );
    assert!(
        report.details().contains("panicked at src/panics.rs"),
        "{}",
        report.details()
    );
}

#[test]
fn a_hung_example_is_killed_at_its_timeout_and_named() {
    let report = Fixture::new().check("hangs", Duration::from_millis(500));
    assert!(
        matches!(report.verdict, Verdict::TimedOut { .. }),
        "{:?}",
        report.verdict
    );
    let details = report.details();
    assert!(
        details.contains("FAIL stand-in/hangs: timed out after 0.5s"),
        "{details}"
    );
    assert!(
        details.contains("stdout before it was killed:\n    started"),
        "{details}"
    );
}

#[test]
fn bless_refuses_every_example_that_did_not_run_cleanly() {
    let fixture = Fixture::new();
    fs::remove_file(fixture.golden("fails")).unwrap();
    for (example, timeout) in [
        ("fails", QUICK),
        ("panics", QUICK),
        ("hangs", Duration::from_millis(300)),
    ] {
        let report = fixture.check(example, timeout);
        assert_eq!(bless(&report).unwrap(), Blessed::Refused, "{example}");
    }
    assert!(
        !fixture.golden("fails").exists(),
        "a failing example got a golden file"
    );
    for example in ["panics", "hangs"] {
        assert_eq!(
            fs::read_to_string(fixture.golden(example)).unwrap(),
            "hello\n",
            "{example} was overwritten"
        );
    }
}

#[test]
fn bless_writes_what_a_clean_example_printed() {
    let fixture = Fixture::new();
    assert_eq!(
        bless(&fixture.check("good", QUICK)).unwrap(),
        Blessed::Unchanged
    );
    assert_eq!(
        bless(&fixture.check("wrong", QUICK)).unwrap(),
        Blessed::Updated
    );
    assert_eq!(
        fs::read_to_string(fixture.golden("wrong")).unwrap(),
        "goodbye\n"
    );
    fs::remove_dir_all(fixture.workspace.golden_root()).unwrap();
    assert_eq!(
        bless(&fixture.check("good", QUICK)).unwrap(),
        Blessed::Created
    );
    assert_eq!(
        fs::read_to_string(fixture.golden("good")).unwrap(),
        "hello\n"
    );
}

#[test]
fn a_tampered_golden_file_of_a_real_example_fails_with_a_diff() {
    let real = Workspace::locate();
    let basics = tests::built_section("basics");
    let copy = tempfile::tempdir().unwrap();
    let golden_root = copy.path().join("tests").join("golden");
    let golden = golden_root.join("basics").join("task_results.stdout");
    fs::create_dir_all(golden.parent().unwrap()).unwrap();
    let original =
        fs::read_to_string(real.golden_root().join("basics/task_results.stdout")).unwrap();
    fs::write(&golden, original.replace("8, 30", "8, 31")).unwrap();

    let case = Case {
        section: basics,
        example: "task_results".to_owned(),
    };
    let report = check::check(case, Clock::Virtual, QUICK, &golden_root);
    let details = report.details();
    assert!(
        matches!(report.verdict, Verdict::Mismatch { .. }),
        "{details}"
    );
    assert!(
        details.contains("-Results: 8, 31\n+Results: 8, 30\n"),
        "{details}"
    );
    assert!(Path::new(&golden).exists());
}
