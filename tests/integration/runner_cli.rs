//! Guards the runner's failure paths that a command-line case can't state
//! (its cases are `cmd/runner/*.md`, run by `cmd.rs`): an argument that is
//! not UTF-8, a build without `--cfg tokio_unstable`, output nobody reads,
//! a multi-thread timeline's rows, a run its timeout stops, a timeline
//! written to the run's own stdout, when each line was written.

use std::time::Duration;

#[cfg(unix)]
#[test]
fn an_argument_that_is_not_utf8_is_refused_not_a_panic() {
    use std::os::unix::ffi::OsStrExt;
    let output = std::process::Command::new(crate::support::fixture_section().binary)
        .arg(std::ffi::OsStr::from_bytes(b"ok\xff"))
        .output()
        .expect("the fixture section runs");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("invalid UTF-8"),
        "{output:?}"
    );
}

/// `--timeline-file /dev/fd/1` with stdout a plain file: the timeline goes
/// after what the run printed there. Opened anew, that path would start at
/// the file's beginning, and a temporary file renamed over it would replace
/// the link (as root, `/dev/stdout` itself).
#[cfg(target_os = "linux")]
#[test]
fn a_timeline_to_the_runs_own_stdout_follows_its_output() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let captured = dir.path().join("stdout.txt");
    let stdout = std::fs::File::create(&captured).expect("a file for stdout");
    let status = std::process::Command::new(crate::support::fixture_section().binary)
        .args(["ok", "--clock", "virtual", "--timeline-file", "/dev/fd/1"])
        .stdout(stdout)
        .status()
        .expect("the fixture section runs");
    assert!(status.success(), "{status:?}");
    let text = std::fs::read_to_string(&captured).expect("stdout was written");
    let (printed, timeline) = text
        .split_once("timeline\t")
        .unwrap_or_else(|| panic!("no timeline in {text:?}"));
    assert!(
        !printed.trim().is_empty(),
        "what ok printed is gone: {text:?}"
    );
    assert!(timeline.contains("fixture-section/ok"), "{text:?}");
}

/// Built as a RUSTFLAGS of the user's own builds it: without the workspace's
/// `--cfg tokio_unstable`, in a directory of its own inside the target
/// directory cargo uses (the user's `CARGO_TARGET_DIR`, if they set one).
#[test]
fn without_tokio_unstable_what_needs_it_is_refused_with_the_reason() {
    let workspace = xtask::workspace::Workspace::locate();
    let target = workspace
        .without_tokio_unstable()
        .expect("cargo metadata runs");
    let mut cargo = proc::cargo::command();
    cargo
        .args(["build", "--quiet", "--package", "basics"])
        .arg("--message-format=json-render-diagnostics")
        .arg("--target-dir")
        .arg(&target)
        .current_dir(workspace.root())
        .env("RUSTFLAGS", "")
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    let built = proc::cargo::build(cargo, None).expect("cargo runs");
    assert!(built.success(), "building basics without the cfg failed");
    let basics = built.binaries.get("basics").expect("cargo built basics");
    crate::cmd::section_cases(basics.clone()).case("cmd/runner/without-cfg.md");
}

/// On the multi-thread runtime, a timeline draws no row for Tokio's own
/// workers (blocking jobs of the runtime's), and a task that returned just
/// as `run()` did is not "dropped": Tokio reports its end after waking
/// whoever awaits it, maybe once `run()` has returned. Ten runs: that
/// order varies from run to run (a third of them showed it).
#[test]
fn a_multi_thread_timeline_has_only_the_examples_tasks_each_ended_as_it_did() {
    use xtask::protocol::timeline::{EndKind, RowKind, Timeline};

    let basics = crate::support::built_section("basics").binary;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("run.timeline");
    for _ in 0..10 {
        let output = std::process::Command::new(&basics)
            .args([
                "--flavor",
                "multi_thread",
                "task_callbacks",
                "--timeline-file",
            ])
            .arg(&file)
            .output()
            .expect("basics runs");
        assert!(output.status.success(), "{output:?}");
        let text = std::fs::read_to_string(&file).expect("the timeline was written");
        let timeline = Timeline::parse(&text).expect("a timeline");
        for row in &timeline.rows {
            let at = row.spawned_at.as_deref().unwrap_or_default();
            assert!(
                row.kind != RowKind::Blocking,
                "a row for a blocking job of Tokio's own, at {at}:\n{text}"
            );
            let how = row.ended.map(|ended| ended.how);
            assert_ne!(how, Some(EndKind::Dropped), "a task at {at}:\n{text}");
        }
    }
}

/// `--trace` and `--timeline-file` are written whole when the run ends: one
/// the timeout stops leaves the files of the run before, not empty ones, and
/// no temporary file beside them; one that ends writes them.
#[test]
fn a_run_stopped_by_its_timeout_leaves_the_last_trace_as_it_was() {
    let binary = crate::support::fixture_section().binary;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (trace, timeline) = (dir.path().join("run.json"), dir.path().join("run.timeline"));
    std::fs::write(&trace, "the last trace").expect("a trace");
    std::fs::write(&timeline, "the last timeline").expect("a timeline");
    // `hangs` for ever, and ends at its timeout; `ok` must end before its
    // own, a hang guard.
    let run = |example: &str, timeout: &str| {
        std::process::Command::new(&binary)
            .args([
                "--clock",
                "virtual",
                "--timeout",
                timeout,
                example,
                "--trace",
            ])
            .arg(&trace)
            .arg("--timeline-file")
            .arg(&timeline)
            .output()
            .expect("the fixture section runs")
    };
    let stopped = run("hangs", "1");
    assert_eq!(stopped.status.code(), Some(124), "{stopped:?}");
    assert_eq!(std::fs::read_to_string(&trace).unwrap(), "the last trace");
    assert_eq!(
        std::fs::read_to_string(&timeline).unwrap(),
        "the last timeline"
    );
    let files = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(files, 2, "a temporary file was left beside them");
    let ended = run("ok", "60");
    assert!(ended.status.success(), "{ended:?}");
    let written = std::fs::read_to_string(&timeline).unwrap();
    assert!(
        written.starts_with("timeline\t1\tfixture-section/ok"),
        "{written}"
    );
}

/// A pipe nobody reads, already full: the next write to it blocks.
fn full_pipe() -> (std::io::PipeReader, std::io::PipeWriter) {
    use std::io::Write as _;
    let (reader, mut writer) = std::io::pipe().expect("a pipe");
    rustix::io::ioctl_fionbio(&writer, true).expect("a non-blocking pipe");
    let chunk = [b'x'; 4096];
    while writer.write(&chunk).is_ok() {}
    // The child inherits the blocking kind: its writes wait, as a real
    // program's do on a pipe nobody reads.
    rustix::io::ioctl_fionbio(&writer, false).expect("a blocking pipe");
    (reader, writer)
}

/// `--timeout` ends a run within its bound, whatever nobody reads: a full
/// stdout blocks the runtime's thread in `println!` (the watchdog then says
/// the thread did not answer), and a full stderr holds up the watchdog's
/// own message, which must not keep the process alive.
#[test]
fn a_timeout_ends_the_run_though_nobody_reads_its_output() {
    use std::process::{Command, Stdio};

    let binary = crate::support::fixture_section().binary;
    let args = ["--clock", "virtual", "--timeout", "1", "hangs"];
    for full in ["stdout", "stderr"] {
        let (_unread, writer) = full_pipe();
        let mut command = Command::new(&binary);
        command.args(args).stdin(Stdio::null());
        if full == "stdout" {
            command.stdout(writer).stderr(Stdio::null());
        } else {
            command.stdout(Stdio::null()).stderr(writer);
        }
        let mut group = proc::spawn(command).expect("the fixture section starts");
        let status = group
            .wait_timeout(Duration::from_secs(30))
            .expect("the fixture section can be waited for");
        assert_eq!(
            status.map(|status| status.code()),
            // `--timeout`'s exit code, as GNU `timeout` has it.
            Some(Some(124)),
            "a full {full}: the run outlived its --timeout 1"
        );
    }
}

/// On the real clock each line, and the end, says how long the machine held
/// the runtime up before it, which `check-all --real` reads.
#[cfg(target_os = "linux")]
#[test]
fn the_real_clock_says_how_long_the_runtime_was_held_up() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let instants = dir.path().join("instants");
    let output = std::process::Command::new(crate::support::fixture_section().binary)
        .args(["prints_over_time", "--clock", "real", "--line-instants"])
        .arg(&instants)
        .output()
        .expect("the fixture section runs");
    assert!(output.status.success(), "{output:?}");
    let written = std::fs::read_to_string(&instants).expect("the instants were written");
    let recording = protocol::line_instants::parse(&written).expect("the instants parse");
    assert_eq!(recording.lines.len(), 4, "{written}");
    let counted = recording.lines.iter().map(|line| line.held_up);
    assert!(
        counted
            .chain([recording.held_up_after])
            .all(|held| held.is_some()),
        "{written}"
    );
}

/// `--line-instants`: each line at the instant of the paused clock when its
/// newline was written, from `run()`, a task or the blocking pool, and
/// stdout as it would be without it.
#[test]
fn each_line_is_stamped_with_the_instant_its_newline_was_written() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let instants = dir.path().join("instants");
    let output = std::process::Command::new(crate::support::fixture_section().binary)
        .args(["prints_over_time", "--clock", "virtual", "--line-instants"])
        .arg(&instants)
        .output()
        .expect("the fixture section runs");
    assert!(output.status.success(), "{output:?}");
    let printed = "start\nhalf a task, a quarter of a second in\n\
                   a line, three quarters of a second in\nthe blocking pool\n";
    assert_eq!(String::from_utf8_lossy(&output.stdout), printed);
    let written = std::fs::read_to_string(&instants).expect("the instants were written");
    assert_eq!(
        written,
        "0\tstart\n250000\thalf a task, a quarter of a second in\n\
         750000\ta line, three quarters of a second in\n750000\tthe blocking pool\n"
    );
}
