//! A section binary's command line: bad input is refused with exit code 2
//! and a message that says what is valid; good input does what `--help` says.

use std::process::{Command, Output};
use std::sync::LazyLock;

use xtask::workspace::{Section, Workspace};

static BASICS: LazyLock<Section> = LazyLock::new(|| tests::built_section("basics"));

fn run(args: &[&str]) -> Output {
    Command::new(&BASICS.binary)
        .args(args)
        .output()
        .expect("the basics binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[track_caller]
fn assert_usage_error(args: &[&str], expected: &[&str]) {
    let output = run(args);
    assert_eq!(
        output.status.code(),
        Some(2),
        "{args:?} should exit 2; stderr: {}",
        stderr(&output)
    );
    assert!(
        stdout(&output).is_empty(),
        "{args:?} ran something: {}",
        stdout(&output)
    );
    let message = stderr(&output);
    assert!(message.starts_with("error: "), "{message}");
    for part in expected {
        assert!(
            message.contains(part),
            "{args:?}: expected {part:?} in:\n{message}"
        );
    }
}

#[test]
fn an_unknown_example_is_refused_with_the_valid_names() {
    assert_usage_error(
        &["no_such_example"],
        &[
            "no example `no_such_example`",
            "valid examples: hello_world, ",
            "sync_vs_async",
        ],
    );
}

#[test]
fn an_unknown_example_among_known_ones_runs_nothing() {
    assert_usage_error(&["hello_world", "typo"], &["no example `typo`"]);
}

#[test]
fn an_unknown_flag_is_refused_with_the_valid_flags() {
    assert_usage_error(
        &["--verbose"],
        &["unknown option `--verbose`", "--list", "--clock", "--help"],
    );
}

/// A path to write that can't be created is a mistake on the command line,
/// exit code 2, which `--help` says is "a usage mistake"; exit code 1 is an
/// example that failed.
#[test]
fn a_timeline_or_dump_file_that_cannot_be_created_is_a_usage_mistake() {
    assert_usage_error(
        &["hello_world", "--timeline-file", "/nonexistent/x.timeline"],
        &["cannot write the timeline to /nonexistent/x.timeline"],
    );
    if runner::dump::AVAILABLE {
        assert_usage_error(
            &[
                "hello_world",
                "--dump-at",
                "1",
                "--dump-file",
                "/nonexistent/x.dump",
            ],
            &["cannot write the dump to /nonexistent/x.dump"],
        );
    }
    let help = stdout(&run(&["--help"]));
    let words = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("2 a usage mistake"), "{help}");
}

#[test]
fn a_bad_clock_value_is_refused() {
    assert_usage_error(
        &["--clock", "fast"],
        &["invalid value `fast` for `--clock`", "`real` or `virtual`"],
    );
    assert_usage_error(&["--clock=slow"], &["invalid value `slow`"]);
}

#[test]
fn a_missing_clock_value_is_refused() {
    assert_usage_error(&["--clock"], &["missing argument for option '--clock'"]);
}

#[test]
fn the_paused_clock_on_the_multi_thread_runtime_is_refused() {
    assert_usage_error(
        &["--flavor", "multi_thread", "--clock", "virtual"],
        &["`--clock virtual` needs `--flavor current_thread`"],
    );
    assert_usage_error(
        &["--flavor=multi-thread"],
        &["`current_thread` or `multi_thread`"],
    );
}

#[test]
fn after_a_double_dash_an_option_is_a_name() {
    assert_usage_error(&["--", "--list"], &["no example `--list`"]);
}

#[cfg(unix)]
#[test]
fn an_argument_that_is_not_utf8_is_refused_not_a_panic() {
    use std::os::unix::ffi::OsStrExt;
    let output = Command::new(&BASICS.binary)
        .arg(std::ffi::OsStr::from_bytes(b"hello\xff"))
        .output()
        .expect("the basics binary runs");
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("is not UTF-8"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn list_names_every_example_with_a_summary() {
    let output = run(&["--list"]);
    assert!(output.status.success());
    let listing = stdout(&output);
    let first = listing.lines().next().unwrap_or_default();
    assert!(first.starts_with("hello_world "), "{listing}");
    assert!(first.len() > "hello_world ".len() + 10, "{listing}");
    for line in listing.lines() {
        let (name, summary) = line.split_once(' ').unwrap_or((line, ""));
        assert!(!summary.trim().is_empty(), "{name} has no summary");
    }
}

#[test]
fn the_machine_listing_matches_the_human_one() {
    let human = stdout(&run(&["--list"]));
    let machine = stdout(&run(&["--list=tsv"]));
    assert_eq!(human.lines().count(), machine.lines().count());
    for (human, machine) in human.lines().zip(machine.lines()) {
        let listed = xtask::protocol::Listed::parse_line(machine).expect("a listing line");
        assert!(human.starts_with(&format!("{} ", listed.name)), "{human}");
        assert!(human.ends_with(&listed.summary), "{human} / {machine}");
        assert!(std::path::Path::new(&listed.source).is_file(), "{machine}");
    }
}

#[test]
fn help_explains_the_options() {
    let output = run(&["--help"]);
    assert!(output.status.success());
    let help = stdout(&output);
    for part in [
        "--list",
        "--clock <CLOCK>",
        "virtual",
        "--flavor <FLAVOR>",
        "--list=tsv",
        "cargo run -p basics -- hello_world",
    ] {
        assert!(help.contains(part), "expected {part:?} in:\n{help}");
    }
}

#[test]
fn one_example_runs_without_a_header_and_several_run_under_headers() {
    let one = run(&["--clock", "virtual", "hello_world"]);
    assert!(one.status.success(), "{}", stderr(&one));
    // One example alone prints exactly its golden file: no header line.
    let golden = Workspace::locate()
        .golden_root()
        .join("basics")
        .join("hello_world.stdout");
    assert_eq!(stdout(&one), std::fs::read_to_string(golden).unwrap());

    let two = run(&["--clock=virtual", "hello-world", "task_results"]);
    assert!(two.status.success(), "{}", stderr(&two));
    let text = stdout(&two);
    assert!(text.starts_with("=== basics/hello_world: "), "{text}");
    assert!(text.contains("\n\n=== basics/task_results: "), "{text}");
}

/// Built without `--cfg tokio_unstable`, as a RUSTFLAGS of the user's own
/// builds it (it replaces the workspace's `build.rustflags`), a section has
/// no task hooks: `--timeline` (and `--dump-at`) is refused with exit code 2
/// and the reason, never drawn empty, and everything else still works. The build has a
/// target directory of its own, so it doesn't undo the workspace's.
#[test]
fn without_tokio_unstable_a_timeline_is_refused_with_the_reason() {
    let workspace = Workspace::locate();
    let target = workspace.root().join("target/without-tokio-unstable");
    let built = proc::cargo::command()
        .args(["build", "--quiet", "--package", "basics"])
        .current_dir(workspace.root())
        .env("RUSTFLAGS", "")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .expect("cargo runs");
    assert!(built.success(), "building basics without the cfg failed");
    let basics = target.join("debug/basics");
    for args in [
        &["hello_world", "--timeline"][..],
        &["--timeline-file", "out.timeline", "hello_world"][..],
    ] {
        let output = Command::new(&basics)
            .args(args)
            .output()
            .expect("basics runs");
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(
            stdout(&output).is_empty(),
            "{args:?} ran: {}",
            stdout(&output)
        );
        assert!(
            stderr(&output).contains("built without `--cfg tokio_unstable`"),
            "{}",
            stderr(&output)
        );
    }
    // Task dumps need the cfg too: `--dump-at` is refused the same way,
    // while `--timeout` still ends a hung run (without a dump).
    let dump = Command::new(&basics)
        .args(["--dump-at", "1", "hello_world"])
        .output()
        .expect("basics runs");
    assert_eq!(dump.status.code(), Some(2), "{}", stderr(&dump));
    assert!(
        stderr(&dump).contains("this binary can't take task dumps"),
        "{}",
        stderr(&dump)
    );
    let plain = Command::new(&basics)
        .args(["--clock", "virtual", "--timeout", "30", "hello_world"])
        .output()
        .expect("basics runs");
    assert!(plain.status.success(), "{}", stderr(&plain));
}

/// With the workspace's cfg, `--timeline` draws the example's tasks after
/// its output, and `--timeline-file` writes the text form the golden
/// `.timeline` files hold.
#[test]
fn a_timeline_is_drawn_after_the_output_and_written_in_its_text_form() {
    let output = run(&["--clock", "virtual", "spawn_tasks", "--timeline"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let golden = std::fs::read_to_string(
        Workspace::locate()
            .golden_root()
            .join("basics/spawn_tasks.stdout"),
    )
    .expect("the golden file reads");
    let chart = text
        .strip_prefix(&golden)
        .expect("the example's own output comes first, unchanged");
    assert!(
        chart.starts_with("\nbasics/spawn_tasks on the virtual clock: "),
        "{chart}"
    );
    assert!(chart.contains("\nmain run() "), "{chart}");
    assert!(chart.contains("█ polled"), "{chart}");

    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("spawn_tasks.timeline");
    let output = Command::new(&BASICS.binary)
        .args(["--clock", "virtual", "spawn_tasks", "--timeline-file"])
        .arg(&file)
        .output()
        .expect("basics runs");
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), golden, "--timeline-file changes no output");
    let written = std::fs::read_to_string(&file).expect("the timeline was written");
    let timeline = xtask::protocol::timeline::Timeline::parse(&written).expect("it parses");
    assert_eq!(timeline.example, "basics/spawn_tasks");
    assert!(timeline.spawned_rows() >= 2, "{written}");
    assert_eq!(timeline.to_text(), written, "the text form round-trips");
}
