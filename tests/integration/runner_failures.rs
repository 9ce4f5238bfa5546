//! The runner's real failure paths, through the fixture section binary: an
//! error is exit 1 with its cause chain, a panic is exit 101, the runner
//! carries on after a failure, and the worst exit code wins; a dump names
//! the line each task waits at, and `--timeout` ends a hung run with one.

use std::process::{Command, Output};

use xtask::protocol::{EXIT_FAILED, EXIT_PANICKED, EXIT_TIMED_OUT};

fn run(args: &[&str]) -> Output {
    Command::new(&crate::support::fixture_section().binary)
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("the fixture section runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn an_error_exits_1_with_its_cause_chain() {
    let output = run(&["--clock", "virtual", "fails"]);
    assert_eq!(output.status.code(), Some(i32::from(EXIT_FAILED)));
    assert_eq!(text(&output.stdout), "partial\n");
    assert_eq!(
        text(&output.stderr),
        "error: example tests/fails failed: reading the config: disk on fire\n"
    );
}

#[test]
fn a_panic_exits_101_and_is_named() {
    let output = run(&["panics"]);
    assert_eq!(output.status.code(), Some(i32::from(EXIT_PANICKED)));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("the fixture panics on purpose"), "{stderr}");
    assert!(
        stderr.ends_with("error: example tests/panics panicked\n"),
        "{stderr}"
    );
}

#[test]
fn the_runner_carries_on_after_a_failure_and_the_worst_exit_code_wins() {
    let output = run(&["fails", "panics", "ok"]);
    assert_eq!(output.status.code(), Some(i32::from(EXIT_PANICKED)));
    let stdout = text(&output.stdout);
    assert!(
        stdout.ends_with("=== tests/ok: Prints hello. ===\nhello\n"),
        "the example after the failures did not run:\n{stdout}"
    );

    // A panic first, then an error: still 101, not the last one's 1.
    let output = run(&["panics", "fails"]);
    assert_eq!(output.status.code(), Some(i32::from(EXIT_PANICKED)));

    let output = run(&["fails", "ok"]);
    assert_eq!(output.status.code(), Some(i32::from(EXIT_FAILED)));
}

#[test]
fn the_machine_listing_has_every_example_with_its_kind_and_file() {
    let output = run(&["--list=tsv"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let listing = text(&output.stdout);
    let lines: Vec<&str> = listing.lines().collect();
    assert_eq!(lines.len(), 20, "{listing}");
    let ok: Vec<&str> = lines[0].split('\t').collect();
    assert_eq!(ok[0], "ok");
    assert_eq!(ok[1], "plain");
    assert!(ok[2].ends_with("/tests/src/ok.rs"), "{}", ok[2]);
    assert!(std::path::Path::new(ok[2]).is_file(), "{}", ok[2]);
    assert_eq!(ok[3], "0");
    assert_eq!(ok[4], "Prints hello.");
    assert!(
        lines.contains(&"detaches_on_purpose\tplain\t")
            || lines
                .iter()
                .any(|line| line.starts_with("detaches_on_purpose\tplain\t")
                    && line.split('\t').nth(3) == Some("1")),
        "{listing}"
    );
    assert!(
        lines[6].starts_with("prints_base_url\tbase_url\t"),
        "{listing}"
    );
}

#[test]
fn a_task_left_running_after_run_returns_fails_and_is_named_by_its_spawn_line() {
    for clock in ["virtual", "real"] {
        let output = run(&["--clock", clock, "leaves_a_task"]);
        assert_eq!(
            output.status.code(),
            Some(i32::from(EXIT_FAILED)),
            "{clock}"
        );
        assert_eq!(text(&output.stdout), "returned\n");
        assert_eq!(
            text(&output.stderr),
            "error: example tests/leaves_a_task left 1 task running after run() returned; \
             every task an example spawns must end, or be stopped, before run() returns\n  \
             spawned at leaves_a_task.rs:6: tokio::spawn(async {\n"
        );
    }
    let output = run(&["--flavor", "multi_thread", "leaves_a_task"]);
    assert_eq!(output.status.code(), Some(i32::from(EXIT_FAILED)));
}

#[test]
fn a_task_left_on_purpose_passes_when_it_is_declared() {
    let output = run(&["--clock", "virtual", "detaches_on_purpose"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "returned\n");
}

/// What `--dump-at` prints for the fixture's two tasks stuck on each
/// other's lock: each task under the one that spawned it, by its spawn
/// line, the line of `deadlocks.rs` it waits at, what it waits in, the lock
/// it holds, and who awaits it; then what the dump can and can't tell of
/// the cycle.
const DEADLOCK_DUMP: &str = "
main run()
  run at deadlocks.rs:14
    waits in JoinHandle

  #1 line 11: tokio::spawn(lock_both(Arc::clone(&first), Arc::clone(&second)));
    awaited by main at deadlocks.rs:14 in JoinHandle
    lock_both at deadlocks.rs:21
      waits in Mutex::lock
    holds the lock it took at deadlocks.rs:19: held.lock()

  #2 line 12: tokio::spawn(lock_both(second, first));
    lock_both at deadlocks.rs:21
      waits in Mutex::lock
    holds the lock it took at deadlocks.rs:19: held.lock()

Maybe a deadlock: #1 and #2 each hold a lock and wait for a lock.
  #1 holds held.lock() from line 19, waits for wanted.lock() at line 21
  #2 holds held.lock() from line 19, waits for wanted.lock() at line 21
If #1 waits for the lock #2 holds and #2 for the one #1 holds, neither will ever move. \
The dump can't tell which lock is which: Tokio's Mutex doesn't say who holds it, and one \
name can be a different lock in each task. Read how each task was given its locks; tasks \
that take locks in one order, everywhere, can't end up like this.
";

#[test]
fn a_dump_names_the_line_each_task_waits_at_on_either_clock() {
    if !runner::dump::AVAILABLE {
        let output = run(&["--dump-at", "1", "deadlocks"]);
        assert_eq!(output.status.code(), Some(2));
        assert!(text(&output.stderr).contains("can't take task dumps"));
        return;
    }
    for (clock, at) in [("virtual", "1"), ("real", "0.3")] {
        let output = run(&[
            "--clock",
            clock,
            "--dump-at",
            at,
            "--timeout",
            "1",
            "deadlocks",
        ]);
        assert_eq!(
            output.status.code(),
            Some(i32::from(EXIT_TIMED_OUT)),
            "{clock}: {}",
            text(&output.stderr)
        );
        let seconds = if at == "1" { "1.0" } else { at };
        assert_eq!(
            text(&output.stdout),
            format!(
                "started\n\ndump of tests/deadlocks at {seconds}s: where each task waits\n\
                 {DEADLOCK_DUMP}\n"
            ),
            "{clock}"
        );
        // The timeout's dump, on stderr, is the same picture.
        assert_eq!(
            text(&output.stderr),
            format!(
                "error: example tests/deadlocks timed out after 1.0s; where each of its tasks \
                 waits:\n{}\n",
                DEADLOCK_DUMP.trim_end()
            ),
            "{clock}"
        );
    }
}

#[test]
fn a_timeout_says_when_the_runtime_thread_is_blocked() {
    let started = std::time::Instant::now();
    let output = run(&["--clock", "virtual", "--timeout", "0.5", "blocks_forever"]);
    assert_eq!(output.status.code(), Some(i32::from(EXIT_TIMED_OUT)));
    assert_eq!(text(&output.stdout), "started\n");
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with(
            "error: example tests/blocks_forever timed out after 0.5s, and its runtime's \
             thread did not answer"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("something blocks that thread"), "{stderr}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "the timeout took {:?}",
        started.elapsed()
    );
}

#[test]
fn a_dump_after_the_example_finished_is_a_note() {
    let output = run(&["--clock", "virtual", "--dump-at", "5", "ok"]);
    if !runner::dump::AVAILABLE {
        assert_eq!(output.status.code(), Some(2));
        return;
    }
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "hello\n");
    assert_eq!(
        text(&output.stderr),
        "note: tests/ok finished before 5.0s, so there was no dump\n"
    );
}
