//! The golden check and bless, end to end through xtask's own code, against
//! the fixture section (`src/main.rs`: a real section binary built on the
//! runner, whose examples pass, print the wrong thing, fail, panic, hang,
//! and hang holding a child process), and against the real `basics` binary
//! with a golden file that has been tampered with.

use std::fs;
use std::path::PathBuf;
use std::time::Duration;

use proc::Exit;
use tempfile::TempDir;
use xtask::bless::{Blessed, Outcome, bless, bless_one};
use xtask::check::{self, Report, Target, Verdict};
use xtask::protocol::{Clock, Kind};
use xtask::select::{Case, Selection};
use xtask::sweep;
use xtask::workspace::{Section, Workspace};

const QUICK: Duration = Duration::from_secs(30);
const VIRTUAL: Target = Target::Golden(Clock::Virtual);

/// The fixture's examples, in the order its binary lists them.
const EXAMPLES: [&str; 20] = [
    "ok",
    "prints_other",
    "fails",
    "panics",
    "hangs",
    "hangs_with_a_child",
    "prints_base_url",
    "leaves_a_task",
    "detaches_on_purpose",
    "not_cancel_safe",
    "blocks_after_cancel",
    "waits_for_an_answer",
    "gives_up_on_a_stall",
    "deadlocks",
    "blocks_forever",
    "runs_for_ever",
    "waits_for_a_thread",
    "leaves_a_thread",
    "awaits_a_task",
    "detaches_when_cancelled",
];

/// A temporary workspace with a golden file saying `hello` for each of the
/// fixture's examples, and one golden file with no example.
struct Fixture {
    _dir: TempDir,
    workspace: Workspace,
    section: Section,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let workspace = Workspace::at(dir.path());
        let fixture = Self {
            _dir: dir,
            workspace,
            section: crate::support::fixture_section(),
        };
        for example in EXAMPLES.iter().chain(&["removed"]) {
            fixture.write_golden(example, "hello\n");
        }
        fixture
    }

    fn golden(&self, example: &str) -> PathBuf {
        xtask::golden::path(&self.workspace.golden_root(), "tests", example)
    }

    fn write_golden(&self, example: &str, text: &str) {
        self.write_golden_for("tests", example, text);
    }

    fn write_golden_for(&self, section: &str, example: &str, text: &str) {
        let path = xtask::golden::path(&self.workspace.golden_root(), section, example);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn case(&self, example: &str) -> Case {
        let listed = self
            .section
            .list()
            .unwrap()
            .into_iter()
            .find(|listed| listed.name == example)
            .unwrap_or_else(|| panic!("the fixture has no example {example}"));
        Case {
            section: self.section.clone(),
            example: listed,
        }
    }

    fn check(&self, example: &str, timeout: Duration) -> Report {
        check::check(
            self.case(example),
            &VIRTUAL,
            timeout,
            &self.workspace.golden_root(),
        )
    }
}

#[test]
fn the_selection_lists_every_example_and_every_orphaned_golden_file() {
    let fixture = Fixture::new();
    let golden_root = fixture.workspace.golden_root();
    let select = |all: &[&str], filter| {
        let all = all.iter().map(|name| name.to_string()).collect();
        Selection::of(vec![fixture.section.clone()], all, filter).unwrap()
    };
    let selection = select(&["tests"], None);
    let ids: Vec<String> = selection.cases.iter().map(Case::id).collect();
    assert_eq!(ids, EXAMPLES.map(|name| format!("tests/{name}")));
    let orphans = selection.golden_orphans(&golden_root).unwrap();
    assert_eq!(orphans, [fixture.golden("removed")]);
    let message = check::orphan_details(&orphans[0], &golden_root);
    let expected = "tests/golden/tests/removed.stdout: golden file without an example";
    assert!(message.contains(expected), "{message}");

    let filtered = select(&["tests"], Some("/prints_o"));
    assert_eq!(filtered.cases.len(), 1);
    assert!(filtered.golden_orphans(&golden_root).unwrap().is_empty());
    let nothing = select(&["tests"], Some("no_such_example"));
    assert!(nothing.cases.is_empty());
    let error = nothing.matches_nothing("example");
    assert!(error.is::<xtask::Usage>(), "{error}");

    // The golden files of a section that exists but was not built cannot be
    // judged; a section whose crate is gone has nothing but orphans.
    fixture.write_golden_for("unbuilt", "anything", "x\n");
    fixture.write_golden_for("deleted", "anything", "x\n");
    let orphans = select(&["tests", "unbuilt"], None)
        .golden_orphans(&golden_root)
        .unwrap();
    let deleted = golden_root.join("deleted").join("anything.stdout");
    assert_eq!(orphans, [deleted, fixture.golden("removed")]);
}

#[test]
fn matching_output_passes() {
    let report = Fixture::new().check("ok", QUICK);
    assert!(report.passed(), "{}", report.details());
}

#[test]
fn different_output_fails_with_a_diff_and_a_rerun_line() {
    let report = Fixture::new().check("prints_other", QUICK);
    assert!(
        matches!(report.verdict, Verdict::Mismatch { .. }),
        "{:?}",
        report.verdict
    );
    let details = report.details();
    assert!(
        details.contains("--- tests/golden/tests/prints_other.stdout\n+++ actual output\n"),
        "{details}"
    );
    assert!(details.contains("\n-hello\n+goodbye\n"), "{details}");
    assert!(
        details.contains("re-run: cargo run -q -p tests -- --clock virtual prints_other"),
        "{details}"
    );
    assert!(
        details.contains("bless:  cargo xtask bless tests/prints_other"),
        "{details}"
    );
}

#[test]
fn a_missing_golden_file_fails() {
    let fixture = Fixture::new();
    fs::remove_file(fixture.golden("ok")).unwrap();
    let report = fixture.check("ok", QUICK);
    assert!(
        matches!(report.verdict, Verdict::MissingGolden),
        "{:?}",
        report.verdict
    );
    assert!(
        report
            .summary()
            .contains("no golden file tests/golden/tests/ok.stdout"),
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
        details.contains("FAIL tests/fails: exited with code 1"),
        "{details}"
    );
    assert!(
        details.contains("error: example tests/fails failed: reading the config: disk on fire"),
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
        report.details().contains("the fixture panics on purpose"),
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
        details.contains("FAIL tests/hangs: timed out after 0.5s"),
        "{details}"
    );
    assert!(
        details.contains("stdout before it was stopped:\n    started"),
        "{details}"
    );
}

/// A hung example's report says where each task waited when its timeout
/// ran out: the runner stopped itself with a dump, it was not killed.
#[test]
fn a_hung_example_reports_where_each_of_its_tasks_waits() {
    let report = Fixture::new().check("deadlocks", Duration::from_secs(1));
    assert!(
        matches!(report.verdict, Verdict::TimedOut { .. }),
        "{:?}",
        report.verdict
    );
    let details = report.details();
    assert!(
        details.contains("FAIL tests/deadlocks: timed out after 1s and was stopped"),
        "{details}"
    );
    assert!(
        details.contains("stdout before it was stopped:\n    started\n"),
        "{details}"
    );
    if !runner::dump::AVAILABLE {
        assert!(details.contains("no dump"), "{details}");
        return;
    }
    assert_eq!(
        report.output.as_ref().map(|output| &output.exit),
        Some(&Exit::Code(i32::from(xtask::protocol::EXIT_TIMED_OUT))),
        "{details}"
    );
    assert!(
        details.contains(
            "    error: example tests/deadlocks timed out after 1.0s; where each of its tasks waits:\n    \n\
             \x20   main run()\n\
             \x20     run at deadlocks.rs:14\n\
             \x20       waits in JoinHandle\n    \n\
             \x20     #1 line 11: tokio::spawn(lock_both(Arc::clone(&first), Arc::clone(&second)));\n\
             \x20       awaited by main at deadlocks.rs:14 in JoinHandle\n\
             \x20       lock_both at deadlocks.rs:21\n\
             \x20         waits in Mutex::lock\n"
        ),
        "{details}"
    );
    // The re-run command is the example's, without the runner's timeout.
    assert!(
        details.contains("re-run: cargo run -q -p tests -- --clock virtual deadlocks\n"),
        "{details}"
    );
}

/// A runtime whose thread is blocked can't be dumped; the report says so
/// within a bounded time instead of waiting for a dump that never comes.
#[test]
fn a_blocked_example_is_reported_without_waiting_for_ever() {
    let report = Fixture::new().check("blocks_forever", Duration::from_millis(500));
    assert!(
        matches!(report.verdict, Verdict::TimedOut { .. }),
        "{:?}",
        report.verdict
    );
    let details = report.details();
    let expected = if runner::dump::AVAILABLE {
        "its runtime's thread did not answer"
    } else {
        "no dump"
    };
    assert!(details.contains(expected), "{details}");
    let elapsed = report.output.as_ref().map(|output| output.elapsed);
    assert!(
        elapsed < Some(Duration::from_millis(500) + xtask::check::DUMP_GRACE),
        "{elapsed:?}"
    );
}

/// A `.dump` golden file pins where the tasks wait at the instant its first
/// line names: a different dump fails with a diff, and bless rewrites it.
#[test]
fn a_dump_golden_file_is_compared_and_blessed() {
    if !runner::dump::AVAILABLE {
        return;
    }
    let fixture = Fixture::new();
    fixture.write_golden("not_cancel_safe", "done\n");
    let golden = fixture
        .workspace
        .golden_root()
        .join("tests/not_cancel_safe.dump");
    let expected = "dump of tests/not_cancel_safe at 0.5s: where each task waits

main run()
  run at not_cancel_safe.rs:35
    waits in sleep

  #1 line 22: tokio::spawn({
    async block in run at not_cancel_safe.rs:24
      waits in Notify::notified
";
    fs::write(&golden, expected).unwrap();
    let report = fixture.check("not_cancel_safe", QUICK);
    assert!(report.passed(), "{}", report.details());

    fs::write(&golden, expected.replace("Notify::notified", "sleep")).unwrap();
    let report = fixture.check("not_cancel_safe", QUICK);
    assert!(
        matches!(report.verdict, Verdict::DumpMismatch { .. }),
        "{:?}",
        report.verdict
    );
    let details = report.details();
    assert!(
        details.contains("-      waits in sleep\n+      waits in Notify::notified\n"),
        "{details}"
    );
    assert!(
        details.contains(
            "re-run: cargo run -q -p tests -- --clock virtual --dump-at 0.5 not_cancel_safe"
        ),
        "{details}"
    );
    // Through the one place that decides what a run may write, as bless,
    // SNAPSHOTS=overwrite and the golden harness do.
    assert_eq!(
        bless_one(&report).unwrap(),
        Outcome::Blessed(vec![(
            Blessed::Updated,
            "tests/golden/tests/not_cancel_safe.dump".to_owned()
        )])
    );
    assert_eq!(fs::read_to_string(&golden).unwrap(), expected);

    // A dump golden file must say when to take the dump.
    fs::write(&golden, "where each task waits\n").unwrap();
    let report = fixture.check("not_cancel_safe", QUICK);
    assert!(
        report
            .summary()
            .contains("does not say when to take the dump"),
        "{}",
        report.summary()
    );
    // Such a file is not blessed: the run was asked for no dump.
    let Outcome::Refused(why) = bless_one(&report).unwrap() else {
        panic!("blessed a dump the run did not write");
    };
    assert!(why.contains("does not say when to take the dump"), "{why}");
    assert_eq!(
        fs::read_to_string(&golden).unwrap(),
        "where each task waits\n"
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
        bless(&fixture.check("ok", QUICK)).unwrap(),
        Blessed::Unchanged
    );
    assert_eq!(
        bless(&fixture.check("prints_other", QUICK)).unwrap(),
        Blessed::Updated
    );
    assert_eq!(
        fs::read_to_string(fixture.golden("prints_other")).unwrap(),
        "goodbye\n"
    );
    fs::remove_dir_all(fixture.workspace.golden_root()).unwrap();
    assert_eq!(
        bless(&fixture.check("ok", QUICK)).unwrap(),
        Blessed::Created
    );
    assert_eq!(fs::read_to_string(fixture.golden("ok")).unwrap(), "hello\n");
    // A golden file that is not UTF-8 fails the check for what it is, and
    // bless replaces it.
    fs::write(fixture.golden("ok"), [0x68, 0xff]).unwrap();
    let report = fixture.check("ok", QUICK);
    assert!(
        report.summary().contains("cannot read its golden file")
            && report.summary().contains("UTF-8"),
        "{}",
        report.summary()
    );
    assert_eq!(bless(&report).unwrap(), Blessed::Updated);
    assert_eq!(fs::read_to_string(fixture.golden("ok")).unwrap(), "hello\n");
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

    let example = basics
        .list()
        .unwrap()
        .into_iter()
        .find(|listed| listed.name == "task_results")
        .expect("basics lists task_results");
    let case = Case {
        section: basics,
        example,
    };
    let report = check::check(case, &VIRTUAL, QUICK, &golden_root);
    let details = report.details();
    assert!(
        matches!(report.verdict, Verdict::Mismatch { .. }),
        "{details}"
    );
    assert!(
        details.contains("-Results: 8, 31\n+Results: 8, 30\n"),
        "{details}"
    );
    // Checking reads the golden file; it never rewrites it.
    assert_eq!(
        fs::read_to_string(&golden).unwrap(),
        original.replace("8, 30", "8, 31")
    );
}

#[test]
fn a_timeout_kills_the_processes_the_example_started() {
    let fixture = Fixture::new();
    let started = std::time::Instant::now();
    let report = fixture.check("hangs_with_a_child", Duration::from_millis(500));
    assert!(
        matches!(report.verdict, Verdict::TimedOut { .. }),
        "{:?}",
        report.verdict
    );
    // Without killing the group, the check would wait for the `sleep 300`
    // that holds the pipe.
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    let output = report.output.as_ref().expect("it ran");
    let pid = output.stdout.trim();
    assert!(!pid.is_empty(), "the fixture printed no pid");
    assert!(
        proc::exits_within(pid, Duration::from_secs(5)),
        "the fixture's child {pid} outlived the timeout"
    );
}

#[test]
fn a_server_check_runs_only_http_examples_and_needs_no_golden_file() {
    let fixture = Fixture::new();
    let target = Target::Server("http://127.0.0.1:1".to_owned());
    assert!(!target.applies_to(&fixture.case("ok").example));
    let http = fixture.case("prints_base_url");
    assert_eq!(http.example.kind, Kind::BaseUrl);
    assert!(target.applies_to(&http.example));
    // Its golden file says `hello`, which a server check never reads.
    let report = check::check(http, &target, QUICK, &fixture.workspace.golden_root());
    assert!(report.passed(), "{}", report.details());
    assert_eq!(
        report.output.unwrap().stdout,
        "base url: http://127.0.0.1:1\n"
    );
}

#[test]
fn the_sweep_passes_an_example_that_leaves_nothing_behind() {
    let fixture = Fixture::new();
    let swept = sweep::sweep_one(fixture.case("ok"), xtask::limits::SWEEP);
    assert!(swept.passed(), "{}", swept.details());
    assert_eq!(
        swept.line().split(" (").next(),
        Some("PASS tests/ok: 0 cut points")
    );
}

#[test]
fn the_sweep_names_the_task_the_file_and_the_panic_a_cancellation_leaves() {
    let fixture = Fixture::new();
    let swept = sweep::sweep_one(fixture.case("not_cancel_safe"), xtask::limits::SWEEP);
    let details = swept.details();
    assert!(!swept.passed(), "{details}");
    let summary = swept.summary.as_ref().expect("a summary line");
    assert_eq!(summary.cuts, 2, "{details}");
    let problems = [
        "cut 1: a task still running 60s (virtual) after run() was dropped, spawned at \
         not_cancel_safe.rs:22: let waiter = tokio::spawn({",
        "cut 1: panicked at tests/src/not_cancel_safe.rs:16: dropped while armed",
        "cut 1: run() panicked while it was being dropped",
    ];
    for problem in problems {
        assert!(
            swept.problems.iter().any(|p| p == problem),
            "{problem}\n{details}"
        );
    }
    // Its own TMPDIR: the file it left is there, and nowhere else.
    assert!(
        swept
            .problems
            .iter()
            .any(|p| p.starts_with("cut 1: 1 temporary file(s) left behind in ")),
        "{details}"
    );
    assert!(
        swept
            .problems
            .iter()
            .any(|p| p == "1 temporary file(s) still there after the process exited"),
        "{details}"
    );
    assert!(
        details.ends_with(
            "re-run: cargo run -q -p tests -- --cancel-sweep not_cancel_safe >/dev/null"
        ),
        "{details}"
    );
}

#[test]
fn the_sweep_reports_a_task_that_a_cancellation_detaches_unless_it_is_declared() {
    let fixture = Fixture::new();
    let swept = sweep::sweep_one(fixture.case("awaits_a_task"), xtask::limits::SWEEP);
    assert_eq!(
        swept.problems,
        [
            "cut 1: a task still running after run() was dropped, which detached it with its \
             `JoinHandle` (hold the task in an `AbortOnDropHandle` or a `JoinSet`, or tell it to \
             stop), spawned at awaits_a_task.rs:7: \
             let task = tokio::spawn(tokio::time::sleep(Duration::from_secs(1)));"
        ],
        "{}",
        swept.details()
    );
    // The same, declared: the task ends by itself, within the drain.
    let swept = sweep::sweep_one(
        fixture.case("detaches_when_cancelled"),
        xtask::limits::SWEEP,
    );
    assert!(swept.passed(), "{}", swept.details());
}

#[test]
fn the_sweep_reports_a_blocking_job_that_outlives_the_cancellation() {
    let fixture = Fixture::new();
    let swept = sweep::sweep_one(fixture.case("blocks_after_cancel"), xtask::limits::SWEEP);
    assert_eq!(
        swept.problems,
        [
            "cut 1: a spawn_blocking job still running 5s (real) after run() was dropped \
          and its tasks were done"
        ],
        "{}",
        swept.details()
    );
}

#[test]
fn the_sweep_of_a_run_that_never_finishes_says_so() {
    let fixture = Fixture::new();
    let swept = sweep::sweep_one(fixture.case("runs_for_ever"), xtask::limits::SWEEP);
    assert_eq!(
        swept.problems,
        ["the full run did not finish: run() was still running after 3600s of virtual time"],
        "{}",
        swept.details()
    );
    // Waiting for nothing at all takes no virtual time: the real-time limit
    // stops it.
    let swept = sweep::sweep_one(fixture.case("hangs"), xtask::limits::SWEEP);
    assert_eq!(
        swept.problems,
        [
            "the full run: still running after 30s of real time; it waits for something that \
          never comes, or something blocks the thread (a blocking call, a Drop that waits), \
          so the sweep of tests/hangs stops here"
        ],
        "{}",
        swept.details()
    );
}

#[test]
fn the_sweep_waits_for_a_plain_thread_in_real_time() {
    // On the paused clock a time limit would fire at once while the runtime
    // is idle, waiting for the thread; and a cut leaves the thread to end by
    // itself, a moment after the runtime's shutdown.
    let fixture = Fixture::new();
    let swept = sweep::sweep_one(fixture.case("waits_for_a_thread"), xtask::limits::SWEEP);
    assert!(swept.passed(), "{}", swept.details());
    assert_eq!(
        swept.line().split(" (").next(),
        Some("PASS tests/waits_for_a_thread: 1 cut points")
    );
    // One that runs on is still found, after that patience.
    let swept = sweep::sweep_one(fixture.case("leaves_a_thread"), xtask::limits::SWEEP);
    assert_eq!(
        swept.problems,
        ["cut 1: 1 thread(s) left running"],
        "{}",
        swept.details()
    );
}

#[test]
fn the_stall_check_passes_an_example_that_gives_up_and_fails_one_that_waits() {
    let fixture = Fixture::new();
    let server = xtask::stall::StallServer::start().expect("the stalling server");
    let target = Target::Stall(server.url());
    let golden_root = fixture.workspace.golden_root();
    let check =
        |example, timeout| check::check(fixture.case(example), &target, timeout, &golden_root);

    let report = check("gives_up_on_a_stall", QUICK);
    assert!(report.passed(), "{}", report.details());

    let report = check("waits_for_an_answer", Duration::from_secs(3));
    assert!(
        matches!(report.verdict, Verdict::TimedOut { .. }),
        "{}",
        report.details()
    );

    // prints_base_url exits 0 without asking anything: no error reported.
    let report = check("prints_base_url", QUICK);
    assert!(
        matches!(report.verdict, Verdict::NoErrorReported),
        "{}",
        report.details()
    );
    assert!(
        report
            .summary()
            .contains("exited 0 against a server that never answered"),
        "{}",
        report.summary()
    );
}
