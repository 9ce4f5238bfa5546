//! The checker's command line: bad input is a clear error with exit code 2,
//! and the commands that need no build answer at once. (Checking the
//! exercises themselves, both ways, is `cargo run --bin exercises -- verify`.)

use std::process::{Command, Output, Stdio};

fn checker(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_exercises"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the checker starts")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn bad_input_exits_2_with_a_message() {
    for (args, says) in [
        (
            &["no_such_exercise"][..],
            "no exercise named `no_such_exercise`",
        ),
        (&["hint"][..], "`hint` needs NAME"),
        (&["hint", "nope"][..], "no exercise named `nope`"),
        (&["--list", "timeout"][..], "take no other arguments"),
        (&["--frobnicate"][..], "--frobnicate"),
        (
            &["a", "b", "c"][..],
            "`check` takes one NAME, got a second: `b`",
        ),
        (&["--help=3"][..], "`--help` takes no value"),
    ] {
        let output = checker(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = text(&output.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(
            stderr.contains("--help` shows the commands"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn reset_refuses_without_a_terminal_to_ask_on() {
    let output = checker(&["reset", "timeout"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("stdin is not a terminal"), "{stderr}");
    assert!(
        stderr.contains("git checkout HEAD -- exercises/src/exercises/04_timeout.rs"),
        "{stderr}"
    );
}

/// The checker, linked into a directory of the test's own: which hint was
/// shown last is kept beside the executable, so each test starts afresh and
/// the learner's own hints are left alone. A hard link, not a copy: a copy
/// just written can't be run while another test's child process still
/// holds the file open for writing (ETXTBSY).
fn fresh_checker(test: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the test's directory");
    let link = dir.join("exercises");
    std::fs::hard_link(env!("CARGO_BIN_EXE_exercises"), &link).expect("link the checker");
    link
}

fn run(checker: &std::path::Path, args: &[&str]) -> (Option<i32>, String) {
    let output = Command::new(checker)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the checker starts");
    let shown = format!("{}{}", text(&output.stdout), text(&output.stderr));
    (output.status.code(), shown)
}

#[test]
fn each_hint_run_shows_the_next_of_three() {
    let checker = fresh_checker("hints-in-turn");
    let hint = || run(&checker, &["hint", "timeout"]);
    let (code, first) = hint();
    assert_eq!(code, Some(0), "{first}");
    assert!(
        first.starts_with("Hint 1 of 3 for `timeout` (a nudge):"),
        "{first}"
    );
    assert!(
        !first.contains("tokio::time::timeout"),
        "a nudge names no API: {first}"
    );
    assert!(
        first.contains(
            "Hint 2 of 3, the API to use: run `cargo run --bin exercises -- hint timeout`"
        ),
        "{first}"
    );
    assert!(
        first.contains("cargo run -p error-handling -- timeouts"),
        "{first}"
    );
    assert!(
        first.contains("crates/error-handling/src/timeouts.rs"),
        "{first}"
    );
    let (_, second) = hint();
    assert!(
        second.starts_with("Hint 2 of 3 for `timeout` (the API to use):"),
        "{second}"
    );
    assert!(second.contains("`tokio::time::timeout`"), "{second}");
    assert!(
        second.contains("https://docs.rs/tokio/latest/tokio/time/fn.timeout.html"),
        "{second}"
    );
    let (_, third) = hint();
    assert!(
        third.starts_with("Hint 3 of 3 for `timeout` (the answer):"),
        "{third}"
    );
    assert!(third.contains("Err(Elapsed)"), "{third}");
    // The answer's code, as code: the reference solution's lines, each on
    // a line of its own, against the exercise as shipped (which, without
    // git, is the learner's file: then its lines are not known here).
    assert!(
        third.contains("The reference solution, against the exercise as shipped"),
        "{third}"
    );
    let shipped = exercises::shipped::read("04_timeout.rs").expect("the exercise");
    if !matches!(shipped.origin, exercises::shipped::Origin::Checkout(_)) {
        assert!(
            third.contains("\n  +         match timeout(limit, lookup(time)).await {\n"),
            "{third}"
        );
        assert!(
            third.contains("\n  -         let answer = lookup(time).await;\n"),
            "{third}"
        );
    }
    assert!(third.contains("That was the last hint"), "{third}");
    // The last one stays the last.
    let (_, again) = hint();
    assert!(again.starts_with("Hint 3 of 3 for `timeout`"), "{again}");
    // A level can be asked for, and the next follows it.
    let (_, asked) = run(&checker, &["hint", "timeout", "1"]);
    assert!(asked.starts_with("Hint 1 of 3 for `timeout`"), "{asked}");
    let (_, next) = hint();
    assert!(next.starts_with("Hint 2 of 3 for `timeout`"), "{next}");
    // Each exercise has its own.
    let (_, other) = run(&checker, &["hint", "actor"]);
    assert!(other.starts_with("Hint 1 of 3 for `actor`"), "{other}");
}

#[test]
fn hint_all_shows_the_three_in_order() {
    let checker = fresh_checker("hints-all");
    let (code, all) = run(&checker, &["hint", "--all", "timeout"]);
    assert_eq!(code, Some(0), "{all}");
    let at = |what: &str| all.find(what).unwrap_or_else(|| panic!("no {what}: {all}"));
    assert!(at("Hint 1 of 3") < at("Hint 2 of 3") && at("Hint 2 of 3") < at("Hint 3 of 3"));
    assert!(all.contains("That was the last hint"), "{all}");
}

#[test]
fn a_hint_level_is_1_2_or_3() {
    for (args, says) in [
        (&["hint", "timeout", "4"][..], "`4` is not a hint level"),
        (&["hint", "timeout", "0"][..], "`0` is not a hint level"),
        (&["hint", "timeout", "2", "--all"][..], "not both"),
    ] {
        let output = checker(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = text(&output.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}

#[test]
fn help_lists_every_command() {
    let output = checker(&["--help"]);
    assert!(output.status.success());
    let stdout = text(&output.stdout);
    for command in [
        "--list",
        "--watch",
        "hint [OPTIONS] <NAME> [LEVEL]",
        "reset <NAME>",
        "verify",
    ] {
        assert!(stdout.contains(command), "{command}: {stdout}");
    }
    // `check`'s own help has every option, from the same table.
    let output = checker(&["help", "check"]);
    let stdout = text(&output.stdout);
    for option in ["--list", "--watch", "-h, --help"] {
        assert!(stdout.contains(option), "{option}: {stdout}");
    }
}
