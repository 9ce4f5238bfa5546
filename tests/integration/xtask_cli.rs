//! `cargo xtask`'s command line, end to end through its binary: a usage
//! mistake exits with 2 whichever command makes it, and `SNAPSHOTS=overwrite`
//! is refused wherever `bless` would be.
//!
//! The commands run against the fixture section (`src/main.rs`), named by
//! `XTASK_FIXTURE_SECTION`, so nothing of the real sections is built.

use std::process::{Command, Output, Stdio};

use xtask::protocol::EXIT_USAGE;
use xtask::workspace::{FIXTURE_SECTION, Workspace};

fn xtask(args: &[&str], snapshots: Option<&str>) -> Output {
    let fixture = crate::support::fixture_section();
    let mut command = Command::new(tests::xtask_binary());
    command
        .args(args)
        .env(
            FIXTURE_SECTION,
            format!("{}={}", fixture.name, fixture.binary.display()),
        )
        .env_remove("SNAPSHOTS")
        .stdin(Stdio::null());
    if let Some(value) = snapshots {
        command.env("SNAPSHOTS", value);
    }
    command.output().expect("xtask runs")
}

#[track_caller]
fn assert_usage_mistake(args: &[&str], snapshots: Option<&str>, says: &str) {
    let output = xtask(args, snapshots);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(i32::from(EXIT_USAGE)),
        "{args:?} (SNAPSHOTS={snapshots:?}) should exit {EXIT_USAGE}:\n{stderr}"
    );
    assert!(
        stderr.contains(says),
        "{args:?}: expected {says:?} in:\n{stderr}"
    );
}

/// `SNAPSHOTS=overwrite check-all` blesses, so it takes exactly what
/// `bless` takes: a multi-thread run, another server's bodies or a stalled
/// server's errors never become golden files.
#[test]
fn snapshots_overwrite_is_refused_where_bless_would_be() {
    let golden = Workspace::locate()
        .golden_root()
        .join("tests")
        .join("ok.stdout");
    for args in [
        &["check-all", "--flavor", "multi_thread", "ok"][..],
        &[
            "check-all",
            "--base-url",
            "http://127.0.0.1:1",
            "prints_base_url",
        ],
        &["check-all", "--stall", "gives_up_on_a_stall"],
    ] {
        assert_usage_mistake(args, Some("overwrite"), "SNAPSHOTS=overwrite");
        let mut bless = vec!["bless"];
        bless.extend(&args[1..]);
        assert_usage_mistake(&bless, None, "`bless` has no option");
    }
    assert!(
        !golden.exists(),
        "{} was written from a run bless refuses",
        golden.display()
    );
    assert_usage_mistake(&["check-all", "ok"], Some("yes"), "SNAPSHOTS");
}

/// The golden harness under `cargo test` reads `SNAPSHOTS` as xtask does:
/// a value it does not know is refused, not taken for "check".
#[test]
fn the_golden_harness_refuses_a_snapshots_value_it_does_not_know() {
    let output = Command::new(tests::golden_harness())
        .arg("basics::hello_world")
        .env("SNAPSHOTS", "overwrite-please")
        .stdin(Stdio::null())
        .output()
        .expect("the golden harness runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("SNAPSHOTS=overwrite-please"), "{stderr}");
}

#[test]
fn naming_nothing_that_exists_is_a_usage_mistake_in_every_command() {
    for (args, says) in [
        (&["check-all", "no_such_example"][..], "no example matches"),
        (&["bless", "no_such_example"], "no example matches"),
        (&["cancel-sweep", "no_such_example"], "no example matches"),
        (&["twins", "no_such_example"], "no example matches"),
        (
            &["export", "--check-all", "no_such_example"],
            "no example matches",
        ),
        (
            &["export", "tests/no_such_example"],
            "no example `no_such_example`",
        ),
        (&["export", "no_such_section/x"], "there is no section"),
        (&["new", "no_such_section", "x"], "there is no section"),
        (&["new", "tests", "Not-A-Name"], "snake_case"),
        (&["frobnicate"], "unknown command"),
        (&["check-all", "--timeout", "0"], "--timeout"),
        (&["check-all", "--base-url", "http://"], "--base-url"),
    ] {
        assert_usage_mistake(args, None, says);
    }
}

#[test]
fn help_is_a_flag_without_a_value_and_says_what_exit_code_2_means() {
    assert_usage_mistake(&["--help=3"], None, "--help");
    assert_usage_mistake(&["check-all", "--help=3"], None, "--help");
    for args in [
        &["--help"][..],
        &["help"],
        &["check-all", "--help"],
        &["help", "export"],
    ] {
        let output = xtask(args, None);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{args:?}");
        assert!(
            // However the help is wrapped.
            stdout
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .contains("2 a usage mistake"),
            "{args:?} does not document exit code 2:\n{stdout}"
        );
    }
}
